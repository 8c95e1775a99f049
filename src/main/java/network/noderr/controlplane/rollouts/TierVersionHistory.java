package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Which versions a tier ran, runs and rolled back, read from its releases, its rollouts' recorded start versions, the
 * emergency rollback in force and its nodes: what a rollout starts from, what a rollback may return to.
 */
@Component
class TierVersionHistory {

    private final RolloutRepository repository;
    private final JdbcClient jdbc;

    TierVersionHistory(RolloutRepository repository, JdbcClient jdbc) {
        this.repository = repository;
        this.jdbc = jdbc;
    }

    /** As {@link Rollouts#releaseBefore}. */
    Optional<String> releaseBefore(UUID rolloutId) {
        return previousVersion(repository.find(rolloutId).orElseThrow(() -> RolloutViews.notFound(rolloutId)));
    }

    Optional<String> previousVersion(StoredRollout stored) {
        return from(stored.id()).orElseGet(() -> releasePublishedBefore(stored));
    }

    /**
     * What the tier runs now, for a rollout about to start: the target of an emergency rollback in force; else the
     * version of the tier's last rollout if it completed; else (aborted or rolled back: no node is moved to it any
     * more) what that rollout started from. Never a release that was aborted or rolled back, which the release
     * published last before may well be.
     */
    Optional<String> versionTheTierRuns(Tier tier) {
        var emergency = emergencyTarget(tier);
        if (emergency.isPresent()) {
            return emergency;
        }
        record Last(UUID id, String status, String version) {}
        var last = jdbc.sql("""
                        SELECT id, status, version_string FROM deployments WHERE tier = :tier
                        ORDER BY created_at DESC, id DESC LIMIT 1""")
                .param("tier", tier.name())
                .query((rs, i) -> new Last(rs.getObject("id", UUID.class), rs.getString("status"),
                        rs.getString("version_string")))
                .optional();
        if (last.isEmpty()) {
            return Optional.empty();
        }
        if (last.get().status().equals("completed")) {
            return Optional.of(last.get().version());
        }
        var before = from(last.get().id()).orElseGet(() -> releaseBefore(last.get().id()));
        if (before.isEmpty() && last.get().status().equals("aborted")
                && nodesRunning(tier, last.get().version()) > 0) {
            // The tier's first release, aborted after nodes updated to it: they run it, and there is nothing earlier.
            return Optional.of(last.get().version());
        }
        return before;
    }

    /** The rollout's recorded start version (empty inside: the tier's first release); empty when not recorded. */
    private Optional<Optional<String>> from(UUID rolloutId) {
        return jdbc.sql("SELECT from_recorded, from_version FROM deployments WHERE id = :id")
                .param("id", rolloutId)
                .query((rs, i) -> rs.getBoolean("from_recorded")
                        ? Optional.of(Optional.ofNullable(rs.getString("from_version")))
                        : Optional.<Optional<String>>empty())
                .optional()
                .flatMap(recorded -> recorded);
    }

    /** For rollouts from before the start version was recorded: the tier's release published before this one's. */
    Optional<String> releasePublishedBefore(StoredRollout stored) {
        return jdbc.sql("""
                        SELECT version_string FROM releases
                        WHERE tier = :tier AND created_at < (SELECT created_at FROM releases WHERE id = :id)
                        ORDER BY created_at DESC LIMIT 1""")
                .param("tier", stored.tier().name())
                .param("id", stored.releaseId())
                .query(String.class)
                .optional();
    }

    Optional<Timestamp> releasedAt(Tier tier, String version) {
        return jdbc.sql("SELECT created_at FROM releases WHERE tier = :tier AND version_string = :v")
                .param("tier", tier.name())
                .param("v", version)
                .query(Timestamp.class)
                .optional();
    }

    Optional<String> emergencyTarget(Tier tier) {
        return jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :tier")
                .param("tier", tier.name())
                .query(String.class)
                .optional();
    }

    /**
     * Whether {@code version} was rolled back itself: during its rollout, or withdrawn by an emergency rollback after
     * it. A rollback never returns a tier to it unless the tier ran it (RollbackRules).
     */
    boolean rolledBack(Tier tier, String version) {
        return jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM deployments
                                WHERE tier = :tier AND version_string = :v AND status = 'rolled_back')
                            OR EXISTS (SELECT 1 FROM releases
                                WHERE tier = :tier AND version_string = :v AND rolled_back_at IS NOT NULL)""")
                .param("tier", tier.name())
                .param("v", version)
                .query(Boolean.class)
                .single();
    }

    /** The tier's active nodes that run {@code version} now. */
    long nodesRunning(Tier tier, String version) {
        return jdbc.sql("""
                        SELECT count(*) FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                        WHERE v.tier = :tier AND v.current_version = :v AND n.status = 'ACTIVE'""")
                .param("tier", tier.name())
                .param("v", version)
                .query(Long.class)
                .single();
    }

    /** As {@link Rollouts#versionInForce}. */
    Optional<String> versionInForce(Tier tier) {
        var emergency = emergencyTarget(tier);
        return emergency.isPresent() ? emergency
                : repository.currentForTier(tier).map(s -> s.rollout().targetVersion());
    }

    /** As {@link Rollouts#versionOf}. */
    String versionOf(Tier tier, long versionId) {
        return jdbc.sql("SELECT version_string FROM releases WHERE tier = :tier AND version_id = :vid")
                .param("tier", tier.name())
                .param("vid", versionId)
                .query(String.class)
                .optional()
                .orElseThrow(() -> new InvalidRequestException("toVersionId",
                        "is not the on-chain id of a released " + tier + " version"));
    }

    /** As {@link Rollouts#stayingOnRolledBack}. */
    Optional<RolledBackRelease> stayingOnRolledBack(Tier tier) {
        return repository.currentForTier(tier)
                .filter(s -> s.rollout().status() == RolloutStatus.ROLLED_BACK)
                .filter(s -> jdbc.sql("SELECT count(*) FROM tier_emergencies WHERE tier = :tier")
                        .param("tier", tier.name()).query(Long.class).single() == 0)
                .map(s -> new RolledBackRelease(s.id(), s.rollout().targetVersion(),
                        java.util.Objects.requireNonNullElse(s.rollout().reason(), "rolled back")));
    }

    /** As {@link Rollouts#rolledBackVersions}. */
    java.util.Map<Tier, java.util.Set<String>> rolledBackVersions() {
        var result = new java.util.EnumMap<Tier, java.util.Set<String>>(Tier.class);
        // Rolled back during their rollout, or after it (withdrawn by an emergency rollback, recorded for good).
        jdbc.sql("""
                        SELECT tier, version_string FROM deployments WHERE status = 'rolled_back'
                        UNION
                        SELECT tier, version_string FROM releases WHERE rolled_back_at IS NOT NULL""")
                .query((rs, i) -> result.computeIfAbsent(Tier.valueOf(rs.getString(1)),
                        t -> new java.util.HashSet<>()).add(rs.getString(2)))
                .list();
        return result;
    }
}
