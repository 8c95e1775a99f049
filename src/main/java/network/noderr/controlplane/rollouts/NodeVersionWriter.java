package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.shared.GroupCommit;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Group commit ({@link GroupCommit}) for the node API's per-node registry writes: a version query that changed a
 * node's current or target version, and an update report. A release or an emergency rollback is pushed to every
 * connected node at once, and each of them asks and reports within a second; one transaction per request queued
 * thousands of requests on the connection pool, and requests waiting longer than the pool's timeout failed. A batch
 * that fails (a deadlock with the health ingest's group update, which locks the same rows in another order) is
 * written again one write per transaction: a single row lock cannot deadlock.
 */
@Component
class NodeVersionWriter extends GroupCommit<NodeVersionWriter.Write> {

    /** One write; {@link #write} returns the rows it changed. */
    sealed interface Write permits VersionsSeen, UpdateReported {}

    /** The versions a node reported and was told, written only when they differ from the stored ones. */
    record VersionsSeen(String nodeId, @Nullable String current, @Nullable String target) implements Write {}

    /**
     * An update report, and the node's current version when it succeeded (or, ROLLED_BACK, the one it went back to).
     *
     * @param at when it was received (the control plane's clock)
     * @param observedAt the report's own timestamp (the node's clock), or {@code at} when the node sent none or one
     *     no health report could carry
     * @param target the node's target version to record with it, or null to leave it: the version of an emergency
     *     rollback in force, which a node told by the push reports without having asked the version query (which
     *     would have recorded it)
     */
    record UpdateReported(String nodeId, String tier, String cohort, @Nullable UUID rolloutId,
            @Nullable String fromVersion, String toVersion, String result, long durationMs, @Nullable String reason,
            Instant at, Instant observedAt, @Nullable String target) implements Write {}

    private final JdbcClient jdbc;

    NodeVersionWriter(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        super("node registry writer", transactionManager);
        this.jdbc = jdbc;
    }

    @Override
    protected int apply(Write write) {
        return switch (write) {
            // The query carries no time of the node's: a changed current version is observed at the receive time.
            case VersionsSeen v -> jdbc.sql("""
                            UPDATE node_versions SET current_version = COALESCE(:c, current_version),
                                version_observed_at = CASE WHEN current_version IS DISTINCT FROM
                                    COALESCE(:c, current_version) THEN now() ELSE version_observed_at END,
                                target_version = COALESCE(:t, target_version), updated_at = now()
                            WHERE node_id = :id
                              AND (current_version IS DISTINCT FROM COALESCE(:c, current_version)
                                   OR target_version IS DISTINCT FROM COALESCE(:t, target_version))""")
                    .param("c", v.current())
                    .param("t", v.target())
                    .param("id", v.nodeId())
                    .update();
            case UpdateReported u -> {
                int rows = jdbc.sql("""
                                INSERT INTO update_reports (node_id, tier, cohort, deployment_id, from_version,
                                    to_version, result, duration_ms, reason, reported_at)
                                VALUES (:node, :tier, :cohort, :rollout, :from, :to, :result, :duration, :reason, :now)""")
                        .param("node", u.nodeId())
                        .param("tier", u.tier())
                        .param("cohort", u.cohort())
                        .param("rollout", u.rolloutId())
                        .param("from", u.fromVersion())
                        .param("to", u.toVersion())
                        .param("result", u.result())
                        .param("duration", u.durationMs())
                        .param("reason", u.reason())
                        .param("now", Timestamp.from(u.at()))
                        .update();
                if (u.result().equals("SUCCEEDED")) {
                    rows += jdbc.sql("""
                                    UPDATE node_versions SET current_version = :v, version_observed_at = :observed,
                                        target_version = COALESCE(:t, target_version), updated_at = now()
                                    WHERE node_id = :id""")
                            .param("v", u.toVersion())
                            .param("observed", Timestamp.from(u.observedAt()))
                            .param("t", u.target())
                            .param("id", u.nodeId())
                            .update();
                } else {
                    if (u.result().equals("ROLLED_BACK") && u.fromVersion() != null) {
                        // Back on the version it came from. A health report sent during the health window said the
                        // new one; without this the registry would show it until the node's next health report.
                        rows += jdbc.sql("""
                                        UPDATE node_versions SET current_version = :v,
                                            version_observed_at = :observed, updated_at = now()
                                        WHERE node_id = :id
                                          AND (version_observed_at IS NULL OR version_observed_at < :observed)""")
                                .param("v", u.fromVersion())
                                .param("observed", Timestamp.from(u.observedAt()))
                                .param("id", u.nodeId())
                                .update();
                    }
                    if (u.target() != null) {
                        rows += jdbc.sql("""
                                        UPDATE node_versions SET target_version = :t, updated_at = now()
                                        WHERE node_id = :id AND target_version IS DISTINCT FROM :t""")
                                .param("t", u.target())
                                .param("id", u.nodeId())
                                .update();
                    }
                }
                yield rows;
            }
        };
    }
}
