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
class HealthHistoryTest {

    @Autowired
    HealthHistory history;

    @Autowired
    JdbcClient jdbc;

    @Test
    void latestIsNewestFirstByReportedTime() {
        var node = "history-" + System.nanoTime();
        var now = Instant.now();
        // Stored out of order: the newest report arrives first, as a late buffered batch would leave it.
        for (var age : new int[] {1, 3, 2}) {
            insert(node, now.minus(Duration.ofMinutes(age)), "1.0." + age);
        }
        assertThat(history.latest(node, 10)).extracting(StoredHealthReport::version)
                .containsExactly("1.0.1", "1.0.2", "1.0.3");
        assertThat(history.latest(node, 2)).extracting(StoredHealthReport::version)
                .containsExactly("1.0.1", "1.0.2");
    }

    @Test
    void latestReadsTheNodeIndexWithoutSorting() {
        var prefix = "plan-" + System.nanoTime() + "-";
        // 20 nodes x 1000 reports: a page of 50 is a small part of a node's history, as with 30 days of reports.
        jdbc.sql("""
                        INSERT INTO health_reports (node_id, version, uptime, error_count, reported_at)
                        SELECT :prefix || (i % 20), '1.0.0', i, 0, now() - make_interval(mins => i)
                        FROM generate_series(1, 20000) AS i""")
                .param("prefix", prefix)
                .update();
        jdbc.sql("ANALYZE health_reports").update();
        var plan = String.join("\n", jdbc.sql("EXPLAIN " + HealthHistory.LATEST)
                .params(prefix + "7", 50)
                .query(String.class)
                .list());
        assertThat(plan).contains("idx_health_reports_node").doesNotContain("Sort");
        assertThat(history.latest(prefix + "7", 50)).hasSize(50);
    }

    private void insert(String node, Instant reportedAt, String version) {
        jdbc.sql("""
                        INSERT INTO health_reports (node_id, version, uptime, error_count, reported_at)
                        VALUES (:n, :v, 1, 0, :at)""")
                .param("n", node)
                .param("v", version)
                .param("at", Timestamp.from(reportedAt))
                .update();
    }
}
