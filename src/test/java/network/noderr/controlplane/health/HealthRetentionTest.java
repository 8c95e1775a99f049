package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@IntegrationTest
class HealthRetentionTest {

    @Autowired
    HealthRetention retention;

    @Autowired
    JdbcClient jdbc;

    @Test
    void reportsOlderThanThirtyDaysArePrunedAndNewerOnesKept() {
        var node = "retention-" + System.nanoTime();
        var now = Instant.now();
        for (var age : new Duration[] {Duration.ofDays(31), Duration.ofDays(30).plusMinutes(1), Duration.ofDays(29)}) {
            jdbc.sql("""
                            INSERT INTO health_reports (node_id, version, uptime, error_count, reported_at)
                            VALUES (:n, '1.0.0', 1, 0, :at)""")
                    .param("n", node)
                    .param("at", Timestamp.from(now.minus(age)))
                    .update();
        }
        retention.pruneOlderThan(now.minus(HealthRetention.RETENTION));
        var left = jdbc.sql("SELECT count(*) FROM health_reports WHERE node_id = :n").param("n", node)
                .query(Long.class).single();
        assertThat(left).isEqualTo(1);
    }
}
