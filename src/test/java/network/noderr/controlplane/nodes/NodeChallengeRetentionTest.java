package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@IntegrationTest
class NodeChallengeRetentionTest {

    @Autowired
    NodeChallengeRetention retention;

    @Autowired
    JdbcClient jdbc;

    @Test
    void challengesAreDeletedAnHourAfterTheyExpireAndNewerOnesKept() {
        var node = "challenges-" + System.nanoTime();
        TestNodes.insert(jdbc, node, "ORACLE");
        var now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // Expired long ago (used and unused), expired just past the margin, expired within the margin, still valid.
        var expiries = new Duration[] {Duration.ofDays(-2), Duration.ofDays(-2), Duration.ofMinutes(-61),
                Duration.ofMinutes(-59), Duration.ofSeconds(60)};
        for (int i = 0; i < expiries.length; i++) {
            var expires = now.plus(expiries[i]);
            jdbc.sql("""
                            INSERT INTO node_challenges (nonce_hash, node_id, created_at, expires_at, used_at)
                            VALUES (:hash, :node, :created, :expires, :used)""")
                    .param("hash", (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", ""))
                    .param("node", node)
                    .param("created", Timestamp.from(expires.minusSeconds(60)))
                    .param("expires", Timestamp.from(expires))
                    .param("used", i == 1 ? Timestamp.from(expires.minusSeconds(30)) : null)
                    .update();
        }

        retention.prune();

        var left = jdbc.sql("SELECT expires_at FROM node_challenges WHERE node_id = :n ORDER BY expires_at")
                .param("n", node)
                .query(Timestamp.class)
                .list();
        assertThat(left).extracting(Timestamp::toInstant)
                .containsExactly(now.plus(expiries[3]), now.plus(expiries[4]));
    }
}
