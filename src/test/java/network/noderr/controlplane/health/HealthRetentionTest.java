package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

@IntegrationTest
class HealthRetentionTest {

    @Autowired
    HealthRetention retention;

    @Autowired
    JdbcClient jdbc;

    @Test
    void reportsOlderThanThirtyDaysArePrunedAndNewerOnesKeptByDefault() {
        var node = "retention-" + System.nanoTime();
        var now = Instant.now();
        insert(node, now, Duration.ofDays(31), Duration.ofDays(30).plusMinutes(1), Duration.ofDays(29));
        new HealthRetention(jdbc, Clock.fixed(now, ZoneOffset.UTC), HealthRetentionSettings.DEFAULT).prune();
        assertThat(left(node)).isEqualTo(1);
    }

    @Test
    void theScheduledPruneDeletesWhatIsOlderThanTheConfiguredRetention() {
        var node = "retention-configured-" + System.nanoTime();
        var now = Instant.now();
        insert(node, now, Duration.ofDays(8), Duration.ofDays(7).plusMinutes(1), Duration.ofDays(6), Duration.ofHours(1));
        var sevenDays = new HealthRetentionSettings(Duration.ofDays(7));
        new HealthRetention(jdbc, Clock.fixed(now, ZoneOffset.UTC), sevenDays).prune();
        assertThat(left(node)).as("the 6-day-old and the 1-hour-old report").isEqualTo(2);
    }

    @Test
    void theApplicationBeanPrunesWithTheBoundDefault() {
        var node = "retention-bean-" + System.nanoTime();
        insert(node, Instant.now(), Duration.ofDays(30).plusHours(1), Duration.ofDays(29));
        retention.prune();
        assertThat(left(node)).isEqualTo(1);
    }

    @Test
    void theRetentionBindsFromConfigurationWithThirtyDaysByDefaultAndAtLeastOneDay() {
        assertThat(bind(Map.of()).retention()).isEqualTo(Duration.ofDays(30));
        assertThat(bind(Map.of("noderr.health.retention", "P7D")).retention()).isEqualTo(Duration.ofDays(7));
        assertThat(bind(Map.of("noderr.health.retention", "P1D")).retention()).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> bind(Map.of("noderr.health.retention", "PT23H")))
                .hasRootCauseMessage("noderr.health.retention must be at least P1D (the node details screen's "
                        + "latest 120 reports, a day of buffered reports), was PT23H");
        assertThatThrownBy(() -> new HealthRetentionSettings(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    private static HealthRetentionSettings bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("noderr.health", HealthRetentionSettings.class);
    }

    private void insert(String node, Instant now, Duration... ages) {
        for (var age : ages) {
            jdbc.sql("""
                            INSERT INTO health_reports (node_id, version, uptime, error_count, reported_at)
                            VALUES (:n, '1.0.0', 1, 0, :at)""")
                    .param("n", node)
                    .param("at", Timestamp.from(now.minus(age)))
                    .update();
        }
    }

    private long left(String node) {
        return jdbc.sql("SELECT count(*) FROM health_reports WHERE node_id = :n").param("n", node)
                .query(Long.class).single();
    }
}
