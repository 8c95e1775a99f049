package network.noderr.controlplane.nodes;

import java.sql.Timestamp;
import java.time.Instant;
import network.noderr.controlplane.shared.GroupCommit;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Group commit ({@link GroupCommit}) for node logins: the challenge's nonce and the verify's spend of it with the
 * node's login. Thousands of nodes log in at once after registering together or after an outage longer than a token's
 * lifetime; with one transaction per challenge and one per verify (each waiting for its WAL flush while holding a
 * connection), ~300 of 5,000 logins waited longer than the connection pool's timeout and failed (docs/benchmarks.md).
 * Every write here stays durable: a request is answered only after its write committed.
 */
@Component
class NodeLoginWriter extends GroupCommit<NodeLoginWriter.Write> {

    /** One write. */
    sealed interface Write permits ChallengeIssued, NonceSpent {}

    /** A challenge's nonce (hashed) for the node; {@link #write} returns 1. */
    record ChallengeIssued(String nonceHash, String nodeId, Instant at, Instant expiresAt) implements Write {}

    /**
     * Spends the node's nonce when it is unspent and unexpired at {@code at}; with a {@code login}, then records the
     * login on the node, only while it is active and still has the key that signed. {@link #write} returns
     * {@link #NOT_SPENT}, {@link #SPENT} (spent, no login recorded) or {@link #LOGGED_IN}.
     */
    record NonceSpent(String nodeId, String nonceHash, Instant at, @Nullable Login login) implements Write {}

    /** The login to record: the key that signed the nonce, and where the node is reachable. */
    record Login(byte[] publicKey, @Nullable String address, @Nullable Integer metricsPort) {}

    static final int NOT_SPENT = 0;
    static final int SPENT = 1;
    static final int LOGGED_IN = 2;

    private final JdbcClient jdbc;

    NodeLoginWriter(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        super("node login writer", transactionManager);
        this.jdbc = jdbc;
    }

    @Override
    protected int apply(Write write) {
        return switch (write) {
            case ChallengeIssued c -> jdbc.sql("""
                            INSERT INTO node_challenges (nonce_hash, node_id, created_at, expires_at)
                            VALUES (:hash, :node, :now, :expires)""")
                    .param("hash", c.nonceHash())
                    .param("node", c.nodeId())
                    .param("now", Timestamp.from(c.at()))
                    .param("expires", Timestamp.from(c.expiresAt()))
                    .update();
            case NonceSpent s -> {
                var now = Timestamp.from(s.at());
                int spent = jdbc.sql("""
                                UPDATE node_challenges SET used_at = :now
                                WHERE nonce_hash = :hash AND node_id = :node AND used_at IS NULL
                                  AND expires_at > :now""")
                        .param("now", now)
                        .param("hash", s.nonceHash())
                        .param("node", s.nodeId())
                        .update();
                var login = s.login();
                if (spent == 0) {
                    yield NOT_SPENT;
                }
                if (login == null) {
                    yield SPENT;
                }
                int loggedIn = jdbc.sql("""
                                UPDATE nodes SET last_authenticated_at = :now, last_address = :address,
                                    metrics_port = COALESCE(CAST(:port AS INTEGER), metrics_port)
                                WHERE node_id = :id AND status = :active AND public_key = :key""")
                        .param("now", now)
                        .param("address", login.address())
                        .param("port", login.metricsPort())
                        .param("id", s.nodeId())
                        .param("active", NodeStatus.ACTIVE.name())
                        .param("key", login.publicKey())
                        .update();
                yield loggedIn == 1 ? LOGGED_IN : SPENT;
            }
        };
    }
}
