package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Thousands of nodes log in at once after registering together or after an outage longer than a token's lifetime.
 * With one transaction per challenge and one per verify, each holding a connection through its commit, ~300 of
 * 5,000 logins waited longer than the connection pool's timeout and failed. Their writes are now committed together
 * (group commit); the single-use nonce holds as before.
 */
@IntegrationTest
class NodeLoginsAtOnceTest {

    @Autowired
    NodeIdentity identity;

    @Autowired
    NodeLoginWriter logins;

    @Autowired
    JdbcClient jdbc;

    record Node(String id, TestNodeKey key) {}

    /** Rows written by one transaction share its id ({@code xmin}). */
    @Test
    void challengesAndVerifiesOfNodesLoggingInAtOnceAreCommittedTogether() throws Exception {
        int count = 200;
        var nodes = nodes("login-herd", count);
        var ids = nodes.stream().map(Node::id).toList();

        var nonces = atOnce(nodes.stream().<Callable<String>>map(n -> () -> identity.challenge(n.id()).nonce())
                .toList());
        assertThat(transactions("node_challenges", ids)).as("transactions for %d nodes' challenges", count)
                .isLessThan(count / 4);

        // Each verify checks a signature before its write: how many writes meet in one batch depends on the cores,
        // so only the outcome is checked here (the batching of the writes themselves: the test below).
        var tokens = new ArrayList<Callable<String>>();
        for (int i = 0; i < count; i++) {
            var node = nodes.get(i);
            var nonce = nonces.get(i);
            tokens.add(() -> identity.verify(node.id(), nonce, node.key().sign(nonce), "127.0.0.1", 9100)
                    .accessToken());
        }
        assertThat(atOnce(tokens)).hasSize(count).allSatisfy(token -> assertThat(token).isNotBlank());
        assertThat(jdbc.sql("SELECT count(*) FROM node_challenges WHERE node_id IN (:ids) AND used_at IS NOT NULL")
                .param("ids", ids).query(Long.class).single()).as("every nonce spent").isEqualTo(count);
        assertThat(jdbc.sql("""
                        SELECT count(*) FROM nodes
                        WHERE node_id IN (:ids) AND last_authenticated_at IS NOT NULL AND metrics_port = 9100""")
                .param("ids", ids).query(Long.class).single()).as("every login recorded").isEqualTo(count);
    }

    @Test
    void nonceSpendsAndLoginsArrivingAtOnceAreCommittedTogether() throws Exception {
        int count = 200;
        var nodes = nodes("login-spend", count);
        var ids = nodes.stream().map(Node::id).toList();
        var now = Instant.now();
        var spends = new ArrayList<Callable<Integer>>();
        for (var node : nodes) {
            var nonce = Base64.getDecoder().decode(identity.challenge(node.id()).nonce());
            spends.add(() -> logins.write(new NodeLoginWriter.NonceSpent(node.id(), Sha256.hex(nonce), now,
                    new NodeLoginWriter.Login(node.key().pair().getPublic().getEncoded(), "127.0.0.1", null))));
        }
        assertThat(atOnce(spends)).hasSize(count).containsOnly(NodeLoginWriter.LOGGED_IN);
        assertThat(transactions("node_challenges", ids)).as("transactions for %d nodes' nonce spends", count)
                .isLessThan(count / 4);
        assertThat(transactions("nodes", ids)).as("transactions for %d nodes' logins", count)
                .isLessThan(count / 4);
    }

    /** The same signed nonce sent many times at once (a replay racing the node): exactly one gets a token. */
    @Test
    void aNonceSentManyTimesAtOnceIsSpentOnce() throws Exception {
        var node = node("login-replay");
        var nonce = identity.challenge(node.id()).nonce();
        var signature = node.key().sign(nonce);
        var attempts = new ArrayList<Callable<String>>();
        for (int i = 0; i < 20; i++) {
            attempts.add(() -> {
                try {
                    return identity.verify(node.id(), nonce, signature, null, null).accessToken();
                } catch (ProblemException e) {
                    return e.typeName();
                }
            });
        }
        var outcomes = atOnce(attempts);
        assertThat(outcomes.stream().filter(o -> !o.contains("nonce-replayed")).toList()).as("tokens").hasSize(1);
        assertThat(outcomes.stream().filter(o -> o.contains("nonce-replayed"))).hasSize(19);
    }

    /** A nonce spent with a wrong signature stays spent; a suspended node's nonce is spent and refused. */
    @Test
    void aWrongSignatureOrASuspendedNodeSpendsTheNonceAndGetsNoToken() {
        var node = node("login-refused");
        var other = TestNodeKey.generate();
        var nonce = identity.challenge(node.id()).nonce();
        assertThat(problem(() -> identity.verify(node.id(), nonce, other.sign(nonce), null, null)))
                .contains("signature-invalid");
        assertThat(problem(() -> identity.verify(node.id(), nonce, node.key().sign(nonce), null, null)))
                .contains("nonce-replayed");

        var beforeSuspension = identity.challenge(node.id()).nonce();
        assertThat(identity.setStatus(node.id(), NodeStatus.SUSPENDED)).isTrue();
        assertThat(problem(() -> identity.verify(node.id(), beforeSuspension, node.key().sign(beforeSuspension),
                null, null))).contains("node-suspended");
        assertThat(problem(() -> identity.challenge(node.id()))).contains("node-suspended");
        assertThat(jdbc.sql("SELECT last_authenticated_at IS NULL FROM nodes WHERE node_id = :id")
                .param("id", node.id()).query(Boolean.class).single()).as("never logged in").isTrue();
    }

    private static String problem(Runnable call) {
        try {
            call.run();
        } catch (ProblemException e) {
            return e.typeName();
        }
        throw new AssertionError("no problem");
    }

    /** Runs every call at the same moment, on virtual threads; returns their results in order. */
    private static <T> List<T> atOnce(List<Callable<T>> calls) throws InterruptedException, ExecutionException {
        var start = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new ArrayList<Future<T>>();
            for (var call : calls) {
                futures.add(threads.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            var results = new ArrayList<T>();
            for (var f : futures) {
                results.add(f.get());
            }
            return results;
        }
    }

    private long transactions(String table, List<String> ids) {
        return jdbc.sql("SELECT count(DISTINCT xmin::text) FROM " + table + " WHERE node_id IN (:ids)")
                .param("ids", ids)
                .query(Long.class)
                .single();
    }

    /** {@code count} active nodes, each with its own key, known to the status cache (active moments ago). */
    private List<Node> nodes(String name, int count) {
        var nodes = new ArrayList<Node>();
        for (int i = 0; i < count; i++) {
            var node = node(name);
            assertThat(identity.isActive(node.id())).isTrue();
            nodes.add(node);
        }
        return nodes;
    }

    private Node node(String name) {
        var id = name + "-" + System.nanoTime();
        var key = TestNodeKey.generate();
        jdbc.sql("""
                        INSERT INTO nodes (node_id, tier, hostname, public_key, key_type)
                        VALUES (:id, 'ORACLE', :host, :key, 'SOFTWARE')""")
                .param("id", id)
                .param("host", "host-" + id)
                .param("key", key.pair().getPublic().getEncoded())
                .update();
        return new Node(id, key);
    }
}
