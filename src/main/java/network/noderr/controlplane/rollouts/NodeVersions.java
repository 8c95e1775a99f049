package network.noderr.controlplane.rollouts;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.UpdateDecision;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Answers "what should this node run?" (DESIGN §3 version query). Tier targets and node buckets are cached, so the
 * hot path touches the database only to record a changed current version.
 */
@Service
class NodeVersions {

    /** The version query's answer. */
    record VersionAnswer(
            @Nullable Long versionId,
            @Nullable String versionString,
            @Nullable String dockerImageTag,
            @Nullable String imageDigest,
            @Nullable String configHash,
            String cohort,
            boolean shouldUpdate,
            String updatePriority,
            @Nullable UUID rolloutId) {}

    record Placement(Tier tier, Cohort cohort) {}

    /** What never changes about a node here: its tier and bucket (or, for a node without a bucket, its cohort). */
    private record Stored(Tier tier, @Nullable Integer bucket, Cohort cohort) {}

    private final JdbcClient jdbc;
    private final TierTargets targets;
    private final ApplicationEventPublisher events;
    private final LoadingCache<String, Optional<Stored>> placements;
    /** What this replica last wrote per node; other writers (health ingest) may change the row meanwhile. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Written> lastWritten =
            Caffeine.newBuilder().maximumSize(500_000).expireAfterWrite(Duration.ofMinutes(1)).build();

    NodeVersions(JdbcClient jdbc, TierTargets targets, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.events = events;
        this.targets = targets;
        this.placements = Caffeine.newBuilder()
                .maximumSize(500_000)
                .expireAfterWrite(Duration.ofMinutes(1))
                .build(this::loadPlacement);
    }

    VersionAnswer answer(String nodeId, @Nullable String currentVersion) {
        var stored = placements.get(nodeId).orElseThrow(() -> new ProblemException(404, "node-unknown",
                "Unknown node", "No node " + nodeId + " is registered."));
        var target = targets.get(stored.tier());
        var placement = place(stored, target);
        var decision = UpdateDecision.decide(placement.cohort(), currentVersion, target.rollout(),
                target.emergencyVersion());
        var release = target.emergencyVersion() != null ? target.emergencyRelease() : target.release();
        record(nodeId, placement.tier(), currentVersion, decision.targetVersion());
        return new VersionAnswer(
                release == null ? null : release.versionId(),
                release == null ? null : release.versionString(),
                release == null ? null : release.imageRef(),
                release == null ? null : release.imageDigest(),
                release == null ? null : release.configHash(),
                placement.cohort().wireName(),
                decision.shouldUpdate(),
                decision.priority().wireName(),
                target.rolloutId());
    }

    /** Writes the node's reported and target versions, only when they differ from what this replica last wrote. */
    private void record(String nodeId, Tier tier, @Nullable String current, @Nullable String target) {
        var written = new Written(current, target);
        if (written.equals(lastWritten.getIfPresent(nodeId)) || (current == null && target == null)) {
            return;
        }
        jdbc.sql("""
                        UPDATE node_versions SET current_version = COALESCE(:c, current_version),
                            target_version = COALESCE(:t, target_version), updated_at = now()
                        WHERE node_id = :id""")
                .param("c", current)
                .param("t", target)
                .param("id", nodeId)
                .update();
        lastWritten.put(nodeId, written);
        events.publishEvent(new NodeVersionChanged(nodeId, tier, NodeVersionChanged.Source.VERSION_QUERY));
    }

    private record Written(@Nullable String current, @Nullable String target) {}

    Optional<Placement> placement(String nodeId) {
        return placements.get(nodeId).map(stored -> place(stored, targets.get(stored.tier())));
    }

    /**
     * The node's cohort is its bucket's under the config of the tier's current rollout (the default split when
     * the tier has none): the same config {@link TierCohorts} stores cohorts by, read fresh with the tier's target.
     */
    private static Placement place(Stored stored, TierTargets.Target target) {
        if (stored.bucket() == null) {
            return new Placement(stored.tier(), stored.cohort());
        }
        var config = target.rollout() == null ? RolloutConfig.DEFAULT : target.rollout().config();
        return new Placement(stored.tier(), CohortAssignment.cohortOf(stored.bucket(), config));
    }

    private Optional<Stored> loadPlacement(String nodeId) {
        return jdbc.sql("""
                        SELECT n.tier, v.bucket, v.cohort FROM nodes n JOIN node_versions v ON v.node_id = n.node_id
                        WHERE n.node_id = :id""")
                .param("id", nodeId)
                .query((rs, i) -> {
                    int bucket = rs.getInt(2);
                    return new Stored(Tier.valueOf(rs.getString(1)), rs.wasNull() ? null : bucket,
                            Cohort.fromWireName(rs.getString(3)));
                })
                .optional();
    }
}
