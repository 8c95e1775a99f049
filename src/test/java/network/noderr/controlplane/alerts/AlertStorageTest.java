package network.noderr.controlplane.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import javax.sql.DataSource;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.StatementPlans;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/** Resolved alerts are pruned after the retention, and the alert list reads indexes instead of sorting the table. */
@IntegrationTest
class AlertStorageTest {

    @Autowired
    Alerts alerts;

    @Autowired
    AlertRetention retention;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    @Autowired
    JsonMapper json;

    @Autowired
    ApplicationEventPublisher events;

    final String prefix = "storage-" + UUID.randomUUID() + "-";

    @AfterEach
    void removeTheAlerts() {
        jdbc.sql("DELETE FROM alerts WHERE fingerprint LIKE :p || '%'").param("p", prefix).update();
    }

    @Autowired
    org.springframework.transaction.PlatformTransactionManager transactions;

    @Test
    void saysWhenAlertmanagerLastSentAnAlertAndThatItNeverDidWhenNoneIsStored() {
        var template = new org.springframework.transaction.support.TransactionTemplate(transactions);
        template.executeWithoutResult(tx -> {
            tx.setRollbackOnly(); // the shared database keeps the other tests' alerts
            jdbc.sql("DELETE FROM alerts WHERE source = 'alertmanager'").update();
            assertThat(alerts.lastFromAlertmanager()).as("nothing ever received").isEmpty();
            jdbc.sql("""
                            INSERT INTO alerts (id, source, fingerprint, name, severity, status, labels, annotations,
                                starts_at, last_received_at)
                            VALUES (gen_random_uuid(), 'engine', :fp, 'AutomaticRollback', 'critical', 'firing', '{}',
                                '{}', now(), now())""").param("fp", prefix + "engine").update();
            assertThat(alerts.lastFromAlertmanager()).as("the control plane's own alerts do not count").isEmpty();
            var at = Instant.parse("2026-03-01T10:00:00Z");
            jdbc.sql("""
                            INSERT INTO alerts (id, source, fingerprint, name, severity, status, labels, annotations,
                                starts_at, last_received_at)
                            VALUES (gen_random_uuid(), 'alertmanager', :fp, 'NodeDown', 'critical', 'resolved', '{}',
                                '{}', :at, :at)""").param("fp", prefix + "am").param("at", Timestamp.from(at)).update();
            assertThat(alerts.lastFromAlertmanager()).contains(at);
        });
    }

    @Test
    void resolvedAlertsArePrunedAfterTheRetentionAndFiringOnesAreKept() {
        var now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        var cutoff = now.minus(Duration.ofDays(30));
        var start = cutoff.minus(Duration.ofDays(2));
        insert("resolved-long-ago", "resolved", start, cutoff.minusSeconds(60), cutoff.minusSeconds(60));
        insert("resolved-recently", "resolved", start, cutoff.plusSeconds(60), cutoff.plusSeconds(60));
        // Alertmanager resent the resolution after the cutoff: kept until that is older too.
        insert("resolved-resent", "resolved", start, cutoff.minusSeconds(60), cutoff.plusSeconds(60));
        insert("firing-for-long", "firing", start, null, cutoff.minusSeconds(60));

        assertThat(retention.pruneResolvedBefore(cutoff)).isGreaterThanOrEqualTo(1);

        assertThat(jdbc.sql("SELECT name FROM alerts WHERE fingerprint LIKE :p || '%' ORDER BY name")
                        .param("p", prefix)
                        .query(String.class)
                        .list())
                .containsExactly(name("firing-for-long"), name("resolved-recently"), name("resolved-resent"));
    }

    @Test
    void theListShowsFiringAlertsFirstThenResolvedOnesEachNewestFirst() {
        // Received "tomorrow", so they are the newest of each status whatever other alerts are stored.
        var later = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MICROS);
        insert("resolved-new", "resolved", later.minusSeconds(60), later.minusSeconds(5), later.minusSeconds(5));
        insert("firing-old", "firing", later.minusSeconds(300), null, later.minusSeconds(300));
        insert("resolved-old", "resolved", later.minusSeconds(400), later.minusSeconds(200), later.minusSeconds(200));
        insert("firing-new", "firing", later.minusSeconds(20), null, later.minusSeconds(20));

        assertThat(mine(alerts.list(null, 1000))).containsExactly(
                name("firing-new"), name("firing-old"), name("resolved-new"), name("resolved-old"));
        assertThat(alerts.list(null, 1)).extracting(AlertView::name).containsExactly(name("firing-new"));
        var firing = (int) alerts.firingCount();
        var upToTheFirstResolved = alerts.list(null, firing + 1);
        assertThat(upToTheFirstResolved).hasSize(firing + 1);
        assertThat(upToTheFirstResolved.getLast().name()).isEqualTo(name("resolved-new"));
        assertThat(mine(alerts.list("resolved", 1000))).containsExactly(name("resolved-new"), name("resolved-old"));
        assertThat(mine(alerts.list("firing", 1000))).containsExactly(name("firing-new"), name("firing-old"));
    }

    @Test
    void theListReadsTheStatusIndexWithoutSorting() throws Exception {
        // 20,000 alerts, one in 200 firing: the Overview's list must not read and sort them all.
        jdbc.sql("""
                        INSERT INTO alerts (id, source, fingerprint, name, severity, status, labels, annotations,
                            starts_at, ends_at, last_received_at)
                        SELECT gen_random_uuid(), 'alertmanager', :prefix || i, 'NodeDown', 'critical',
                               CASE WHEN i % 200 = 0 THEN 'firing' ELSE 'resolved' END, '{}', '{}',
                               now() - make_interval(mins => i + 60), NULL, now() - make_interval(mins => i)
                        FROM generate_series(1, 20000) AS i""")
                .param("prefix", prefix)
                .update();
        jdbc.sql("ANALYZE alerts").update();

        var limit = (int) alerts.firingCount() + 50;
        var plans = StatementPlans.explain(dataSource,
                client -> new Alerts(client, json, Clock.systemUTC(), events).list(null, limit));
        assertThat(plans).as("firing ones, then resolved ones").hasSize(2);
        // All the firing ones: the planner may sort those few rows, found through the index.
        assertThat(plans.getFirst()).contains("'firing'").contains("idx_alerts_status").doesNotContain("Seq Scan");
        // The newest resolved ones: read in index order, never sorting the table.
        assertThat(plans.getLast()).contains("'resolved'").contains("idx_alerts_status").doesNotContain("Sort")
                .doesNotContain("Seq Scan");
    }

    private String name(String name) {
        return prefix + name;
    }

    private java.util.List<String> mine(java.util.List<AlertView> list) {
        return list.stream().map(AlertView::name).filter(n -> n.startsWith(prefix)).toList();
    }

    private void insert(String name, String status, Instant startsAt, @Nullable Instant endsAt,
            Instant lastReceived) {
        jdbc.sql("""
                        INSERT INTO alerts (id, source, fingerprint, name, severity, status, labels, annotations,
                            starts_at, ends_at, last_received_at)
                        VALUES (:id, 'alertmanager', :fp, :name, 'warning', :status, '{}', '{}', :starts, :ends,
                            :last)""")
                .param("id", UUID.randomUUID())
                .param("fp", prefix + name)
                .param("name", prefix + name)
                .param("status", status)
                .param("starts", Timestamp.from(startsAt))
                .param("ends", endsAt == null ? null : Timestamp.from(endsAt))
                .param("last", Timestamp.from(lastReceived))
                .update();
    }
}
