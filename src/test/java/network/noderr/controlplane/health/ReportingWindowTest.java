package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestReporting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Silence counts only while the control plane has been taking reports for a whole window. */
@IntegrationTest
class ReportingWindowTest {

    @Autowired
    ReportingWindow window;

    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void steady() {
        TestReporting.steady(jdbc);
    }

    @Test
    void theSilenceWindowIsThreeReportIntervals() {
        assertThat(window.window()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void aBreakInTheBeatsStartsANewPeriodAndSilenceCountsAWholeWindowAfterIt() {
        // An hour ahead, so that this replica's own scheduled beats (at the real time) cannot start the period first;
        // with nanoseconds, which PostgreSQL does not keep.
        var now = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MICROS).plusNanos(789);
        // Every replica was down for 20 minutes: the last beat is that old.
        jdbc.sql("UPDATE health_reporting_heartbeat SET available_since = :long, last_beat = :last")
                .param("long", Timestamp.from(now.minus(Duration.ofDays(1))))
                .param("last", Timestamp.from(now.minus(Duration.ofMinutes(20))))
                .update();
        assertThat(window.silentSince(now)).as("in a break: nobody is silent, even before the next beat").isEmpty();

        var since = window.beat(now);
        assertThat(since).as("the first beat after the break starts a new period, then")
                .isEqualTo(now.truncatedTo(ChronoUnit.MICROS));

        var later = now;
        for (int i = 0; i < 60; i++) { // beats every 15 s for 15 minutes
            later = later.plusSeconds(15);
            assertThat(window.beat(later)).as("beats without a break keep the period").isEqualTo(since);
        }
        assertThat(window.silentSince(since.plus(Duration.ofMinutes(14)))).as("not a whole window yet").isEmpty();
        assertThat(window.silentSince(later)).as("a whole window: silence counts")
                .contains(later.minus(Duration.ofMinutes(15)));
        assertThat(window.silentSince(later.plus(Duration.ofMinutes(2))))
                .as("no beat for 2 minutes: a break again").isEmpty();
    }

    @Test
    void beatsFurtherApartThanAThirdOfTheGapAreRefused() {
        // Each beat would start a new period, and no node would ever count as silent.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ReportingWindow(jdbc, HealthThresholds.DEFAULT,
                        java.time.Clock.systemUTC(), Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most a third of noderr.health.outage-gap");
        assertThat(new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                Duration.ofMinutes(1), Duration.ofSeconds(20)).window()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void theSilenceJobMarksNobodyRightAfterABreak() {
        TestReporting.since(jdbc, Instant.now().minus(Duration.ofMinutes(1)));
        jdbc.sql("DELETE FROM node_versions WHERE node_id = 'reporting-window-quiet'").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id = 'reporting-window-quiet'").update();
        network.noderr.controlplane.TestNodes.insert(jdbc, "reporting-window-quiet", "ALL");
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                            last_health_check)
                        VALUES ('reporting-window-quiet', 'ALL', '1.0.0', 'cohort1', 'healthy',
                            now() - interval '1 hour')""")
                .update();
        try {
            silentNodes.check();
            assertThat(health()).as("right after a break").isEqualTo("healthy");
            TestReporting.steady(jdbc);
            silentNodes.check();
            assertThat(health()).as("in the steady state").isEqualTo("unhealthy");
        } finally {
            jdbc.sql("DELETE FROM node_versions WHERE node_id = 'reporting-window-quiet'").update();
            jdbc.sql("DELETE FROM nodes WHERE node_id = 'reporting-window-quiet'").update();
        }
    }

    @Autowired
    SilentNodes silentNodes;

    private String health() {
        return jdbc.sql("SELECT health_status FROM node_versions WHERE node_id = 'reporting-window-quiet'")
                .query(String.class).single();
    }
}
