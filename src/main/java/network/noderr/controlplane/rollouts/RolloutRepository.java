package network.noderr.controlplane.rollouts;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Rollouts in the seed's {@code deployments} table. Updates are compare-and-set on {@code revision}. */
@Repository
class RolloutRepository {

    private final JdbcClient jdbc;

    RolloutRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    UUID insert(UUID releaseId, Tier tier, String imageRef, @Nullable Long versionId, Rollout r) {
        return jdbc.sql("""
                        INSERT INTO deployments (release_id, version_id, version_string, docker_image_tag, tier, status,
                            canary_percentage, cohort_percentage, cohort_delay_hours, max_unhealthy_ratio,
                            max_error_rate, gate_min_updated_ratio, min_sample, min_operators)
                        VALUES (:release, :versionId, :version, :image, :tier, :status, :c, :p, :d, :mu, :me, :gate,
                            :minSample, :minOperators)
                        RETURNING id""")
                .param("release", releaseId)
                .param("versionId", versionId)
                .param("version", r.targetVersion())
                .param("image", imageRef)
                .param("tier", tier.name())
                .param("status", r.status().wireName())
                .param("c", r.config().canaryPercentage())
                .param("p", r.config().cohortPercentage())
                .param("d", r.config().cohortDelayHours())
                .param("mu", r.thresholds().maxUnhealthyRatio())
                .param("me", r.thresholds().maxErrorRate())
                .param("gate", r.thresholds().gateMinUpdatedRatio())
                .param("minSample", r.thresholds().minSample())
                .param("minOperators", r.thresholds().minOperators())
                .query(UUID.class)
                .single();
    }

    /**
     * Stores a new engine state if nobody changed the row since {@code expectedRevision} was read.
     *
     * @return false when another writer (another replica, another admin) got there first
     */
    boolean update(UUID id, int expectedRevision, Rollout r, Instant now) {
        return update(id, expectedRevision, r, now, null);
    }

    /**
     * As {@link #update(UUID, int, Rollout, Instant)}; when the rollout is finished, {@code finalCounts} (JSON) is
     * kept as its final cohort counts unless it already has some.
     */
    boolean update(UUID id, int expectedRevision, Rollout r, Instant now, @Nullable String finalCounts) {
        var finished = r.status().isFinished();
        return jdbc.sql("""
                        UPDATE deployments SET status = :status, started_at = :started,
                            elapsed_before_resume_ms = :elapsed, resumed_at = :resumed,
                            activated_through = :through, reason = :reason, max_unhealthy_ratio = :mu,
                            max_error_rate = :me, gate_min_updated_ratio = :gate, min_sample = :minSample,
                            min_operators = :minOperators,
                            rollback_reason = CASE WHEN :status = 'rolled_back' THEN :reason ELSE rollback_reason END,
                            completed_at = CASE WHEN :finished THEN COALESCE(completed_at, :now) END,
                            final_counts = CASE WHEN :finished
                                THEN COALESCE(final_counts, CAST(CAST(:counts AS VARCHAR) AS jsonb)) END,
                            gate_hold_until = :hold,
                            revision = revision + 1, updated_at = :now
                        WHERE id = :id AND revision = :revision""")
                        .param("status", r.status().wireName())
                        .param("started", r.startedAt() == null ? null : Timestamp.from(r.startedAt()))
                        .param("elapsed", r.elapsedBeforeResume().toMillis())
                        .param("resumed", r.resumedAt() == null ? null : Timestamp.from(r.resumedAt()))
                        .param("through", r.activatedThrough())
                        .param("reason", r.reason())
                        .param("mu", r.thresholds().maxUnhealthyRatio())
                        .param("me", r.thresholds().maxErrorRate())
                        .param("gate", r.thresholds().gateMinUpdatedRatio())
                        .param("minSample", r.thresholds().minSample())
                        .param("minOperators", r.thresholds().minOperators())
                        .param("finished", finished)
                        .param("counts", finalCounts)
                        .param("hold", r.gateHoldUntil() == null ? null : Timestamp.from(r.gateHoldUntil()))
                        .param("now", Timestamp.from(now))
                        .param("id", id)
                        .param("revision", expectedRevision)
                        .update()
                == 1;
    }

    Optional<StoredRollout> find(UUID id) {
        return jdbc.sql(SELECT + " WHERE d.id = :id").param("id", id).query(RolloutRepository::map).optional();
    }

    /** The tier's unfinished rollout, else its most recent one. */
    Optional<StoredRollout> currentForTier(Tier tier) {
        return jdbc.sql(SELECT + """
                         WHERE d.tier = :tier
                        ORDER BY (d.status IN ('pending', 'active', 'paused')) DESC, d.created_at DESC LIMIT 1""")
                .param("tier", tier.name())
                .query(RolloutRepository::map)
                .optional();
    }

    List<StoredRollout> open() {
        return jdbc.sql(SELECT + " WHERE d.status IN ('pending', 'active', 'paused') ORDER BY d.created_at")
                .query(RolloutRepository::map)
                .list();
    }

    /**
     * Rollouts newest first, optionally of one tier and with one of {@code statuses} (empty: any), created before the
     * rollout {@code before} (keyset paging by created_at, id).
     */
    List<StoredRollout> list(@Nullable Tier tier, List<RolloutStatus> statuses, @Nullable UUID before, int limit) {
        var sql = SELECT + " WHERE (CAST(:tier AS VARCHAR) IS NULL OR d.tier = :tier)"
                + " AND (:anyStatus OR d.status IN (:statuses))"
                + " AND (CAST(:before AS UUID) IS NULL OR (d.created_at, d.id) <"
                + " (SELECT b.created_at, b.id FROM deployments b WHERE b.id = CAST(:before AS UUID)))"
                + " ORDER BY d.created_at DESC, d.id DESC LIMIT :limit";
        return jdbc.sql(sql)
                .param("tier", tier == null ? null : tier.name())
                .param("anyStatus", statuses.isEmpty())
                .param("statuses", statuses.isEmpty() ? List.of("none")
                        : statuses.stream().map(RolloutStatus::wireName).toList())
                .param("before", before)
                .param("limit", limit)
                .query(RolloutRepository::map)
                .list();
    }

    boolean exists(UUID id) {
        return jdbc.sql("SELECT count(*) FROM deployments WHERE id = :id").param("id", id).query(Long.class).single()
                > 0;
    }

    /** How many rollouts have one of these statuses, optionally in one tier. */
    long count(@Nullable Tier tier, List<RolloutStatus> statuses) {
        return jdbc.sql("SELECT count(*) FROM deployments d WHERE (CAST(:tier AS VARCHAR) IS NULL OR d.tier = :tier)"
                        + " AND d.status IN (:statuses)")
                .param("tier", tier == null ? null : tier.name())
                .param("statuses", statuses.stream().map(RolloutStatus::wireName).toList())
                .query(Long.class)
                .single();
    }

    void event(UUID id, String event, String actor, Instant now) {
        jdbc.sql("INSERT INTO deployment_events (deployment_id, event, actor, created_at) VALUES (:id, :e, :a, :now)")
                .param("id", id)
                .param("e", event.length() > 1000 ? event.substring(0, 1000) : event)
                .param("a", actor)
                .param("now", Timestamp.from(now))
                .update();
    }

    List<RolloutEvent> events(UUID id) {
        return jdbc.sql("""
                        SELECT event, actor, created_at FROM deployment_events WHERE deployment_id = :id
                        ORDER BY id""")
                .param("id", id)
                .query((rs, i) -> new RolloutEvent(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()))
                .list();
    }

    /** The timelines of several rollouts in one query. */
    Map<UUID, List<RolloutEvent>> events(Collection<UUID> ids) {
        var result = new HashMap<UUID, List<RolloutEvent>>();
        if (ids.isEmpty()) {
            return result;
        }
        jdbc.sql("""
                        SELECT deployment_id, event, actor, created_at FROM deployment_events
                        WHERE deployment_id IN (:ids) ORDER BY id""")
                .param("ids", List.copyOf(ids))
                .query((rs, i) -> result.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                        .add(new RolloutEvent(rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant())))
                .list();
        return result;
    }

    private static final String SELECT = """
            SELECT d.*, r.image_ref FROM deployments d JOIN releases r ON r.id = d.release_id""";

    private static StoredRollout map(ResultSet rs, int row) throws SQLException {
        var started = rs.getTimestamp("started_at");
        var resumed = rs.getTimestamp("resumed_at");
        var completed = rs.getTimestamp("completed_at");
        var hold = rs.getTimestamp("gate_hold_until");
        var rollout = new Rollout(
                RolloutStatus.valueOf(rs.getString("status").toUpperCase(java.util.Locale.ROOT)),
                rs.getString("version_string"),
                new RolloutConfig(rs.getInt("canary_percentage"), rs.getInt("cohort_percentage"),
                        rs.getInt("cohort_delay_hours")),
                new RolloutThresholds(rs.getDouble("max_unhealthy_ratio"), rs.getDouble("max_error_rate"),
                        rs.getDouble("gate_min_updated_ratio"), rs.getInt("min_sample"),
                        rs.getInt("min_operators")),
                started == null ? null : started.toInstant(),
                Duration.ofMillis(rs.getLong("elapsed_before_resume_ms")),
                resumed == null ? null : resumed.toInstant(),
                rs.getInt("activated_through"),
                rs.getString("reason"),
                hold == null ? null : hold.toInstant());
        long rawVersionId = rs.getLong("version_id");
        Long versionId = rs.wasNull() ? null : rawVersionId;
        return new StoredRollout(
                rs.getObject("id", UUID.class),
                rs.getObject("release_id", UUID.class),
                Tier.valueOf(rs.getString("tier")),
                rs.getString("image_ref"),
                versionId,
                rollout,
                rs.getInt("revision"),
                completed == null ? null : completed.toInstant(),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("final_counts"));
    }
}
