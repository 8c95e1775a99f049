package network.noderr.controlplane.rollouts;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.rollouts.engine.UpdateDecision;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Answers "what should this node run?" (DESIGN §3 version query). Tier targets and node buckets are cached, so the
 * hot path touches the database only to record a changed current or target version: a poll that changes nothing
 * writes nothing and announces nothing ({@code node_versions.updated_at} is when the versions last changed).
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

    /**
     * How long a node's tier and bucket stay cached. They never change once registered; the bound only keeps memory
     * honest. An unknown node is never cached (it may register a moment later), and a suspended node is refused
     * before it gets here ({@code NodeStatusFilter}).
     */
    static final Duration PLACEMENT_CACHE = Duration.ofHours(6);

    /**
     * How long this replica trusts what it last wrote for a node. Longer than the agents' 5-minute poll, so a poll
     * that reports the same versions skips the database; when it has expired, the write is still conditional, so an
     * unchanged row is not written.
     */
    static final Duration WRITTEN_CACHE = Duration.ofMinutes(30);

    private final JdbcClient jdbc;
    private final NodeVersionWriter writer;
    private final TierTargets targets;
    private final ApplicationEventPublisher events;
    private final LoadingCache<String, Stored> placements;
    /** What this replica last wrote per node; other writers (update reports) may change the row meanwhile. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Written> lastWritten;

    @Autowired
    NodeVersions(JdbcClient jdbc, TierTargets targets, ApplicationEventPublisher events, NodeVersionWriter writer) {
        this(jdbc, targets, events, writer, Ticker.systemTicker());
    }

    NodeVersions(JdbcClient jdbc, TierTargets targets, ApplicationEventPublisher events, NodeVersionWriter writer,
            Ticker ticker) {
        this.jdbc = jdbc;
        this.writer = writer;
        this.events = events;
        this.targets = targets;
        this.placements = Caffeine.newBuilder()
                .maximumSize(500_000)
                .expireAfterWrite(PLACEMENT_CACHE)
                .ticker(ticker)
                .build(this::loadPlacement);
        this.lastWritten = Caffeine.newBuilder()
                .maximumSize(500_000)
                .expireAfterWrite(WRITTEN_CACHE)
                .ticker(ticker)
                .build();
    }

    VersionAnswer answer(String nodeId, @Nullable String currentVersion) {
        var stored = stored(nodeId).orElseThrow(() -> new ProblemException(404, "node-unknown",
                "Unknown node", "No node " + nodeId + " is registered."));
        var target = targets.get(stored.tier());
        var placement = place(stored, target);
        var decision = UpdateDecision.decide(placement.cohort(), currentVersion, target.rollout(),
                target.emergencyVersion());
        var release = target.emergencyVersion() != null ? target.emergencyRelease() : target.release();
        if (target.emergencyVersion() == null && target.rollout() != null
                && target.rollout().status() == RolloutStatus.ABORTED && release != null
                && !release.versionString().equals(currentVersion)) {
            // Aborted: no node is moved to its release any more, so the answer names the release the node runs
            // (none for a node that runs nothing yet, or runs a version the tier never released), not the aborted one.
            release = currentVersion == null ? null : targets.releaseOf(stored.tier(), currentVersion);
        }
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

    /**
     * Writes the node's reported and target versions when they differ from the stored ones (group commit, see
     * {@link NodeVersionWriter}), and then announces the change. Skips the database when this replica last wrote the
     * same versions.
     */
    private void record(String nodeId, Tier tier, @Nullable String current, @Nullable String target) {
        var written = new Written(current, target);
        if (written.equals(lastWritten.getIfPresent(nodeId)) || (current == null && target == null)) {
            return;
        }
        var changed = writer.write(new NodeVersionWriter.VersionsSeen(nodeId, current, target)) > 0;
        lastWritten.put(nodeId, written);
        if (changed) {
            events.publishEvent(new NodeVersionChanged(nodeId, tier, NodeVersionChanged.Source.VERSION_QUERY));
        }
    }

    /** Forgets what this replica last wrote for the node, after another writer changed its versions. */
    void forgetWritten(String nodeId) {
        lastWritten.invalidate(nodeId);
    }

    private record Written(@Nullable String current, @Nullable String target) {}

    Optional<Placement> placement(String nodeId) {
        return stored(nodeId).map(stored -> place(stored, targets.get(stored.tier())));
    }

    private Optional<Stored> stored(String nodeId) {
        return Optional.ofNullable(placements.get(nodeId));
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

    /** The node's placement, or null (not cached) when it is not registered. */
    private @Nullable Stored loadPlacement(String nodeId) {
        return jdbc.sql("""
                        SELECT n.tier, v.bucket, v.cohort FROM nodes n JOIN node_versions v ON v.node_id = n.node_id
                        WHERE n.node_id = :id""")
                .param("id", nodeId)
                .query((rs, i) -> {
                    int bucket = rs.getInt(2);
                    return new Stored(Tier.valueOf(rs.getString(1)), rs.wasNull() ? null : bucket,
                            Cohort.fromWireName(rs.getString(3)));
                })
                .optional()
                .orElse(null);
    }
}
