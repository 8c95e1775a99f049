package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
                        java.time.Clock.systemUTC(), Optional::empty, Duration.ofMinutes(1), Duration.ofMinutes(1), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most a third of noderr.health.outage-gap");
        assertThat(new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                Optional::empty, Duration.ofMinutes(1), Duration.ofSeconds(20), 0).window())
                .isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void theSilenceJobMarksNobodyRightAfterABreak() {
        TestReporting.since(jdbc, Instant.now().minus(Duration.ofMinutes(1)));
        withFleet(Map.of("reporting-window-quiet", Instant.now().minus(Duration.ofHours(1))), () -> {
            silentNodes.check();
            assertThat(health()).as("right after a break").isEqualTo("healthy");
            TestReporting.steady(jdbc);
            silentNodes.check();
            assertThat(health()).as("in the steady state").isEqualTo("unhealthy");
        });
    }

    @Test
    void whenAFleetsReportsAllStopArrivingEveryBeatStartsANewPeriodUntilTheyArriveAgain() {
        var now = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MICROS);
        var stored = new AtomicReference<Instant>();
        // A fleet of one reporting node is enough here; by default it takes 10 (noderr.health.ingress-min-nodes).
        var ingress = new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                () -> Optional.ofNullable(stored.get()), Duration.ofMinutes(1), Duration.ofSeconds(15), 1);
        var day = now.minus(Duration.ofDays(1));
        jdbc.sql("UPDATE health_reporting_heartbeat SET available_since = :day, last_beat = :now, last_report = :recent")
                .param("day", Timestamp.from(day))
                .param("now", Timestamp.from(now))
                .param("recent", Timestamp.from(now.minusSeconds(30)))
                .update();
        withFleet(Map.of("reporting-window-fleet", now), () -> {
            // The last report was stored 30 s before now (the node's says now); the nodes report every 5 minutes.
            var at = now;
            for (int i = 0; i < 22; i++) { // 5 minutes 30 s: a report interval plus the gap is not over yet
                at = at.plusSeconds(15);
                assertThat(ingress.beat(at)).as("%s after the last report", Duration.between(now, at).plusSeconds(30))
                        .isEqualTo(day);
            }
            assertThat(ingress.silentSince(at)).as("silence still counts").isPresent();

            at = at.plusSeconds(15); // nothing stored for 6 minutes 15 s
            assertThat(ingress.beat(at)).as("the reports stopped arriving: a new period").isEqualTo(at);
            assertThat(ingress.silentSince(at)).as("nobody counts as silent").isEmpty();
            at = at.plusSeconds(15);
            assertThat(ingress.beat(at)).as("every beat while nothing arrives starts a new period").isEqualTo(at);
            for (int i = 0; i < 80; i++) { // 20 minutes without any report
                at = at.plusSeconds(15);
                ingress.beat(at);
            }
            assertThat(ingress.silentSince(at)).as("after 20 minutes without reports: still nobody").isEmpty();

            var lastPeriodStart = at;
            reported("reporting-window-fleet", at.plusSeconds(5)); // a report arrives again
            stored.set(at.plusSeconds(5));
            at = at.plusSeconds(15);
            assertThat(ingress.beat(at)).as("reports arrive: the period that began at the last beat goes on")
                    .isEqualTo(lastPeriodStart);
            assertThat(ingress.silentSince(at)).as("not a whole window yet").isEmpty();
            for (int i = 0; i < 60; i++) {
                at = at.plusSeconds(15);
                reported("reporting-window-fleet", at.minusSeconds(3));
                stored.set(at.minusSeconds(3));
                ingress.beat(at);
            }
            assertThat(ingress.silentSince(at)).as("a whole window after the reports came back: silence counts")
                    .contains(at.minus(Duration.ofMinutes(15)));
        });
    }

    @Test
    void aFleetSmallerThanTheMinimumOrTheCheckOffCountsSilenceAsBefore() {
        var now = Instant.now().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MICROS);
        var day = now.minus(Duration.ofDays(1));
        jdbc.sql("UPDATE health_reporting_heartbeat SET available_since = :day, last_beat = :now, last_report = :old")
                .param("day", Timestamp.from(day))
                .param("now", Timestamp.from(now))
                .param("old", Timestamp.from(now.minus(Duration.ofHours(1))))
                .update();
        withFleet(Map.of("reporting-window-fleet", now.minus(Duration.ofHours(1))), () -> {
            for (int minNodes : new int[] {0, 1_000_000}) {
                var window = new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                        Optional::empty, Duration.ofMinutes(1), Duration.ofSeconds(15), minNodes);
                assertThat(window.beat(now.plusSeconds(15))).as("ingress-min-nodes %d", minNodes).isEqualTo(day);
            }
            var one = new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                    Optional::empty, Duration.ofMinutes(1), Duration.ofSeconds(15), 1);
            assertThat(one.beat(now.plusSeconds(30))).as("the same hour without reports with a fleet big enough")
                    .isEqualTo(now.plusSeconds(30));
        });
    }

    @Test
    void aNegativeMinimumIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ReportingWindow(jdbc, HealthThresholds.DEFAULT,
                        java.time.Clock.systemUTC(), Optional::empty, Duration.ofMinutes(1), Duration.ofSeconds(15), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("noderr.health.ingress-min-nodes");
    }

    @Test
    void whenMostOfTheFleetStopsReportingAtOnceItsReportsAreNotArriving() {
        var now = Instant.now().plus(Duration.ofHours(4)).truncatedTo(ChronoUnit.MICROS);
        var day = now.minus(Duration.ofDays(1));
        var stored = new AtomicReference<Instant>(now);
        var window = new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                () -> Optional.ofNullable(stored.get()), Duration.ofMinutes(1), Duration.ofSeconds(15), 10);
        steadySince(day, now);
        var fleet = new java.util.HashMap<String, Instant>();
        for (int i = 0; i < 20; i++) {
            fleet.put("reporting-window-lb-" + i, now.minusSeconds(60));
        }
        withFleet(fleet, () -> {
            assertThat(window.beat(now.plusSeconds(15))).as("all 20 report").isEqualTo(day);
            // A load balancer that 19 of the 20 use goes down; the one behind another keeps reporting.
            var at = now.plus(Duration.ofMinutes(7));
            reported("reporting-window-lb-0", at.minusSeconds(10));
            stored.set(at.minusSeconds(10));
            assertThat(window.beat(at)).as("1 of 20 reports: the reports are not arriving").isEqualTo(at);
            assertThat(window.silentSince(at)).isEmpty();
        });
    }

    @Test
    void nodesLongGoneDoNotMakeAFleetBigEnough() {
        var now = Instant.now().plus(Duration.ofHours(5)).truncatedTo(ChronoUnit.MICROS);
        var day = now.minus(Duration.ofDays(1));
        var window = new ReportingWindow(jdbc, HealthThresholds.DEFAULT, java.time.Clock.systemUTC(),
                Optional::empty, Duration.ofMinutes(1), Duration.ofSeconds(15), 10);
        steadySince(day, now);
        var fleet = new java.util.HashMap<String, Instant>();
        for (int i = 0; i < 3; i++) { // the live ones lose power together
            fleet.put("reporting-window-live-" + i, now.minus(Duration.ofMinutes(20)));
        }
        for (int i = 0; i < 9; i++) { // decommissioned two days ago, never suspended
            fleet.put("reporting-window-gone-" + i, now.minus(Duration.ofDays(2)));
        }
        withFleet(fleet, () -> assertThat(window.beat(now)).as("a fleet of 3: their silence counts").isEqualTo(day));
    }

    /** The heartbeat row: a period since {@code since}, beating up to {@code now}, the last report an hour ago. */
    private void steadySince(Instant since, Instant now) {
        jdbc.sql("UPDATE health_reporting_heartbeat SET available_since = :since, last_beat = :now, last_report = :old")
                .param("since", Timestamp.from(since))
                .param("now", Timestamp.from(now))
                .param("old", Timestamp.from(now.minus(Duration.ofHours(1))))
                .update();
    }

    /** A node's latest report is from {@code at}. */
    private void reported(String id, Instant at) {
        jdbc.sql("UPDATE node_versions SET last_health_check = :at WHERE node_id = :id")
                .param("at", Timestamp.from(at))
                .param("id", id)
                .update();
    }

    /**
     * Runs {@code test} with these nodes (each with its latest report) as the only active ones: the nodes other tests
     * left are suspended meanwhile and reinstated after.
     */
    private void withFleet(Map<String, Instant> lastReports, Runnable test) {
        var ids = List.copyOf(lastReports.keySet());
        Runnable remove = () -> {
            jdbc.sql("DELETE FROM node_versions WHERE node_id IN (:ids)").param("ids", ids).update();
            jdbc.sql("DELETE FROM nodes WHERE node_id IN (:ids)").param("ids", ids).update();
        };
        remove.run();
        lastReports.forEach((id, at) -> {
            network.noderr.controlplane.TestNodes.insert(jdbc, id, "ALL");
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                last_health_check)
                            VALUES (:id, 'ALL', '1.0.0', 'cohort1', 'healthy', :at)""")
                    .param("id", id)
                    .param("at", Timestamp.from(at))
                    .update();
        });
        var others = jdbc.sql("""
                        UPDATE nodes SET status = 'SUSPENDED' WHERE status = 'ACTIVE' AND node_id NOT IN (:ids)
                        RETURNING node_id""")
                .param("ids", ids)
                .query(String.class)
                .list();
        try {
            test.run();
        } finally {
            if (!others.isEmpty()) {
                jdbc.sql("UPDATE nodes SET status = 'ACTIVE' WHERE node_id IN (:ids)").param("ids", others).update();
            }
            remove.run();
        }
    }

    @Autowired
    SilentNodes silentNodes;

    private String health() {
        return jdbc.sql("SELECT health_status FROM node_versions WHERE node_id = 'reporting-window-quiet'")
                .query(String.class).single();
    }
}
