package network.noderr.controlplane.alerts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.approvals.TwoPersonRuleChanged;
import network.noderr.controlplane.rollouts.AutomaticRollback;
import network.noderr.controlplane.rollouts.RollbackDecisionNeeded;
import network.noderr.controlplane.rollouts.RolloutTransitioned;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Stores alerts (idempotently: Alertmanager re-sends), lists them and records acknowledgements. */
@Service
public class Alerts {

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    /** Alertmanager's "no end yet". */
    private static final Instant NO_END = Instant.parse("0001-01-01T00:00:00Z");

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    Alerts(JdbcClient jdbc, JsonMapper json, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.events = events;
        this.json = json;
        this.clock = clock;
    }

    /** Records every alert of a webhook call; returns how many were new. */
    @Transactional
    int record(AlertmanagerPayload payload) {
        int created = 0;
        for (var alert : payload.alerts()) {
            var labels = alert.labels();
            var annotations = alert.annotations() == null ? Map.<String, String>of() : alert.annotations();
            var end = alert.endsAt() == null || !alert.endsAt().isAfter(NO_END) || alert.status().equals("firing")
                    ? null : Timestamp.from(alert.endsAt());
            boolean inserted = jdbc.sql("""
                            INSERT INTO alerts (id, source, fingerprint, name, severity, status, node_id, tier, summary,
                                                labels, annotations, starts_at, ends_at, first_received_at,
                                                last_received_at)
                            VALUES (:id, 'alertmanager', :fingerprint, :name, :severity, :status, :node, :tier,
                                    :summary, CAST(:labels AS jsonb), CAST(:annotations AS jsonb), :starts, :ends,
                                    :now, :now)
                            ON CONFLICT (source, fingerprint, starts_at) DO UPDATE
                            SET status = EXCLUDED.status, ends_at = EXCLUDED.ends_at, summary = EXCLUDED.summary,
                                annotations = EXCLUDED.annotations, last_received_at = EXCLUDED.last_received_at
                            RETURNING (xmax = 0)""")
                    .param("id", UUID.randomUUID())
                    .param("fingerprint", alert.fingerprint())
                    .param("name", truncate(labels.getOrDefault("alertname", "unnamed"), 200))
                    .param("severity", truncate(labels.getOrDefault("severity", "warning"), 20))
                    .param("status", alert.status())
                    .param("node", truncate(labels.get("node_id"), 64))
                    .param("tier", truncate(labels.get("tier"), 20))
                    .param("summary", annotations.get("summary"))
                    .param("labels", json.writeValueAsString(labels))
                    .param("annotations", json.writeValueAsString(annotations))
                    .param("starts", Timestamp.from(alert.startsAt()))
                    .param("ends", end)
                    .param("now", Timestamp.from(clock.instant()))
                    .query(Boolean.class)
                    .single();
            if (inserted) {
                created++;
            }
        }
        if (!payload.alerts().isEmpty()) {
            events.publishEvent(new AlertsChanged(payload.alerts().stream()
                    .map(a -> truncate(a.labels().get("node_id"), 64))
                    .filter(java.util.Objects::nonNull)
                    .collect(java.util.stream.Collectors.toUnmodifiableSet())));
        }
        return created;
    }

    /** The engine's own alert for an automatic rollback: critical, firing until someone acknowledges (resolves) it. */
    @EventListener
    void on(AutomaticRollback rollback) {
        var summary = "Automatic rollback of " + rollback.tier() + " " + rollback.version()
                + (rollback.toVersion() == null ? "" : " to " + rollback.toVersion()) + ": " + rollback.reason();
        raiseEngine("auto-rollback:" + rollback.tier() + ":" + rollback.version(), "AutomaticRollback", "critical",
                rollback.tier().name(), summary);
    }

    /**
     * The engine's own alert for a rollout it paused instead of rolling back (too few nodes behind a breach): a
     * warning, firing until the rollout moves on or someone acknowledges it, since only a person moves it on.
     */
    @EventListener
    void on(RollbackDecisionNeeded decision) {
        raiseEngine(decisionKey(decision.tier(), decision.version()), "RollbackDecisionNeeded",
                "warning", decision.tier().name(), "Rollout of " + decision.tier() + " " + decision.version()
                        + " paused for a decision: " + decision.reason());
    }

    /**
     * A rollout paused for a decision that moves on (resumed, rolled back, aborted or completed) has had its decision:
     * its RollbackDecisionNeeded alert is resolved then, as an Alertmanager alert is when its condition ends, and stays
     * unacknowledged (nobody acknowledged it). A promote of the paused rollout keeps it paused, and the alert firing.
     */
    @EventListener
    void on(RolloutTransitioned transition) {
        if (transition.status().equals("paused")) {
            return;
        }
        resolveEngine(decisionKey(transition.tier(), transition.version()));
    }

    /**
     * A two-person rule turned off is an engine warning, since one ADMIN can do it alone (audited, but nobody else
     * need notice): from then on one person publishes and rolls back the tier. It fires until the rule is turned on
     * again, which resolves it unacknowledged, or someone acknowledges it (a tier meant to run without the rule).
     */
    @EventListener
    void on(TwoPersonRuleChanged change) {
        var key = "two-person-rule-off:" + change.tier();
        if (!change.enabled()) {
            raiseEngine(key, "TwoPersonRuleOff", "warning", change.tier().name(), "The two-person rule for "
                    + change.tier() + " was turned off by " + change.actor() + ": one person alone may now publish "
                    + "and roll back " + change.tier() + ". Turn it on again, or acknowledge this if it is meant.");
            return;
        }
        resolveEngine(key);
    }

    /** Resolves a firing engine alert, unacknowledged: what it reported has ended. */
    private void resolveEngine(String key) {
        int resolved = jdbc.sql("""
                        UPDATE alerts SET status = 'resolved', ends_at = :now
                        WHERE source = 'engine' AND fingerprint = :key AND status = 'firing'""")
                .param("now", Timestamp.from(clock.instant()))
                .param("key", engineKey(key))
                .update();
        if (resolved > 0) {
            events.publishEvent(new AlertsChanged(java.util.Set.of()));
        }
    }

    private static String decisionKey(Tier tier, String version) {
        return "rollback-decision:" + tier + ":" + version;
    }

    /** What identifies an engine alert in {@code alerts.fingerprint}. */
    private static String engineKey(String key) {
        return Sha256.hex(key).substring(0, 32);
    }

    /**
     * An alert the control plane raises itself; raising it again while it fires changes nothing. It fires until
     * acknowledged ({@link #acknowledge}); raised again after that, it is a new alert.
     *
     * @param key what identifies it (e.g. {@code auto-rollback:ORACLE:1.5.0})
     */
    void raiseEngine(String key, String name, String severity, @Nullable String tier, String summary) {
        var labels = new java.util.LinkedHashMap<String, String>();
        labels.put("alertname", name);
        labels.put("severity", severity);
        if (tier != null) {
            labels.put("tier", tier);
        }
        jdbc.sql("""
                        INSERT INTO alerts (id, source, fingerprint, name, severity, status, tier, summary, labels,
                                            annotations, starts_at, first_received_at, last_received_at)
                        SELECT :id, 'engine', :key, :name, :severity, 'firing', :tier, :summary,
                               CAST(:labels AS jsonb), CAST(:annotations AS jsonb), :now, :now, :now
                        WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE source = 'engine' AND fingerprint = :key
                                          AND status = 'firing')""")
                .param("id", UUID.randomUUID())
                .param("key", engineKey(key))
                .param("name", name)
                .param("severity", severity)
                .param("tier", tier)
                .param("summary", summary)
                .param("labels", json.writeValueAsString(labels))
                .param("annotations", json.writeValueAsString(Map.of("summary", summary)))
                .param("now", Timestamp.from(clock.instant()))
                .update();
        events.publishEvent(new AlertsChanged(java.util.Set.of()));
    }

    /** How many alerts are firing now. */
    public long firingCount() {
        return jdbc.sql("SELECT count(*) FROM alerts WHERE status = 'firing'").query(Long.class).single();
    }

    /**
     * When Alertmanager last sent an alert that is still stored (resolved ones are pruned after the retention);
     * empty when none is: its webhook may not be set up.
     */
    public java.util.Optional<java.time.Instant> lastFromAlertmanager() {
        return jdbc.sql("""
                        SELECT last_received_at FROM alerts WHERE source = 'alertmanager'
                        ORDER BY last_received_at DESC LIMIT 1""")
                .query(Timestamp.class).optional().map(Timestamp::toInstant);
    }

    static final String BY_STATUS =
            "SELECT * FROM alerts WHERE status = :status ORDER BY last_received_at DESC LIMIT :limit";

    /**
     * The alerts with the status, or firing ones then resolved ones when it is null; each newest first by when they
     * were last received.
     */
    public List<AlertView> list(@Nullable String status, int limit) {
        if (status != null && !status.equals("firing") && !status.equals("resolved")) {
            throw new InvalidRequestException("status", "must be firing or resolved");
        }
        if (limit < 1 || limit > 1000) {
            throw new InvalidRequestException("limit", "must be 1 to 1000");
        }
        if (status != null) {
            return withStatus(status, limit);
        }
        var alerts = new ArrayList<>(withStatus("firing", limit));
        if (alerts.size() < limit) {
            alerts.addAll(withStatus("resolved", limit - alerts.size()));
        }
        return alerts;
    }

    /** The newest {@code limit} alerts with the status: read in the order of the (status, last_received_at) index. */
    private List<AlertView> withStatus(String status, int limit) {
        return jdbc.sql(BY_STATUS)
                .param("status", status)
                .param("limit", limit)
                .query(this::view)
                .list();
    }

    /**
     * Records who is on an alert. An Alertmanager alert keeps firing until Alertmanager resolves it (its condition
     * ended). An engine alert reports an event that is over (e.g. an automatic rollback that has happened), so nothing
     * would ever resolve it: acknowledging it resolves it, with {@code ends_at} the acknowledgement time.
     */
    @Transactional
    public AlertView acknowledge(UUID id, String actor) {
        int updated = jdbc.sql("""
                        UPDATE alerts SET acknowledged_by = :actor, acknowledged_at = :now,
                            status = CASE WHEN source = 'engine' THEN 'resolved' ELSE status END,
                            ends_at = CASE WHEN source = 'engine' AND status = 'firing' THEN :now ELSE ends_at END
                        WHERE id = :id AND acknowledged_at IS NULL""")
                .param("actor", actor)
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
        var alert = jdbc.sql("SELECT * FROM alerts WHERE id = :id").param("id", id).query(this::view).optional()
                .orElseThrow(() -> new ProblemException(404, "alert-unknown", "No such alert",
                        "There is no alert " + id + "."));
        if (updated == 0) {
            throw new ProblemException(409, "alert-already-acknowledged", "Already acknowledged",
                    "This alert was acknowledged by " + alert.acknowledgedBy() + " at " + alert.acknowledgedAt() + ".");
        }
        events.publishEvent(new AlertsChanged(alert.nodeId() == null ? java.util.Set.of()
                : java.util.Set.of(alert.nodeId())));
        return alert;
    }

    private AlertView view(ResultSet rs, int row) throws SQLException {
        return new AlertView(rs.getObject("id", UUID.class), rs.getString("source"), rs.getString("name"),
                rs.getString("severity"), rs.getString("status"), rs.getString("node_id"), rs.getString("tier"),
                rs.getString("summary"), json.readValue(rs.getString("labels"), STRING_MAP),
                json.readValue(rs.getString("annotations"), STRING_MAP), instant(rs, "starts_at"),
                rs.getTimestamp("ends_at") == null ? null : instant(rs, "ends_at"), instant(rs, "last_received_at"),
                rs.getString("acknowledged_by"),
                rs.getTimestamp("acknowledged_at") == null ? null : instant(rs, "acknowledged_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getTimestamp(column).toInstant();
    }

    private static @Nullable String truncate(@Nullable String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
