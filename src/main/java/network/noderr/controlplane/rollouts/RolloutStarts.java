package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.UUID;
import network.noderr.controlplane.rollouts.RolloutTransitioned.Cause;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Records a release and starts its rollout, for {@link Rollouts#start} and {@link Rollouts#startPublished} (which
 * hold the transaction): a release asked for through the API, or one found on-chain.
 */
@Component
class RolloutStarts {

    private static final Logger log = LoggerFactory.getLogger(RolloutStarts.class);

    private final RolloutRepository repository;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final RolloutDefaults defaults;
    private final TierCohorts cohorts;
    private final RolloutChanges changes;
    private final RolloutViews views;
    private final TierVersionHistory history;

    RolloutStarts(RolloutRepository repository, JdbcClient jdbc, Clock clock, RolloutDefaults defaults,
            TierCohorts cohorts, RolloutChanges changes, RolloutViews views, TierVersionHistory history) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.clock = clock;
        this.defaults = defaults;
        this.cohorts = cohorts;
        this.changes = changes;
        this.views = views;
        this.history = history;
    }

    /** As {@link Rollouts#start}, by {@code actor} for {@code cause}. */
    RolloutView start(NewRelease release, RolloutConfig config, RolloutThresholds thresholds, String actor,
            Cause cause) {
        changes.lockTier(release.tier());
        var now = clock.instant();
        UUID releaseId;
        try {
            releaseId = jdbc.sql("""
                            INSERT INTO releases (tier, version_id, version_string, image_ref, image_digest,
                                config_hash, created_by, created_at)
                            VALUES (:tier, :vid, :version, :image, :digest, :config, :by, :now) RETURNING id""")
                    .param("tier", release.tier().name())
                    .param("vid", release.versionId())
                    .param("version", release.versionString())
                    .param("image", release.imageRef())
                    .param("digest", release.imageDigest())
                    .param("config", release.configHash())
                    .param("by", actor)
                    .param("now", Timestamp.from(now))
                    .query(UUID.class)
                    .single();
        } catch (DuplicateKeyException e) {
            throw new ProblemException(409, "release-exists", "Version already released",
                    release.tier() + " already has version " + release.versionString() + "; publish a new version.");
        }
        var started = RolloutEngine.start(Rollout.pending(release.versionString(), config, thresholds), now);
        var from = history.versionTheTierRuns(release.tier()); // before this rollout exists and ends an emergency
        UUID id;
        try {
            id = repository.insert(releaseId, release.tier(), release.imageRef(), release.versionId(),
                    Rollout.pending(release.versionString(), config, thresholds));
        } catch (DuplicateKeyException e) {
            throw new ProblemException(409, "rollout-in-progress", "A rollout is in progress",
                    "Tier " + release.tier() + " has an unfinished rollout. Let it complete, or abort it first.");
        }
        jdbc.sql("UPDATE deployments SET from_version = :v, from_recorded = true WHERE id = :id")
                .param("v", from.orElse(null))
                .param("id", id)
                .update();
        repository.update(id, 0, started, now);
        changes.record(id, release.tier(), started, "started " + release.versionString() + ": canary active", actor, cause,
                now);
        jdbc.sql("DELETE FROM tier_emergencies WHERE tier = :tier").param("tier", release.tier().name()).update();
        changes.changed(release.tier(), TierChanged.Kind.CHECK_NOW, release.versionString());
        cohorts.reassignAfterCommit(release.tier());
        log.info("Rollout {} of {} {} started by {} ({} % canary, {} % per cohort)", id, release.tier(),
                release.versionString(), actor, config.canaryPercentage(), config.cohortPercentage());
        return views.view(id);
    }

    /** As {@link Rollouts#startPublished}. */
    java.util.Optional<RolloutView> startPublished(NewRelease release, RolloutConfig config, String actor,
            String txHash, long blockNumber, Cause cause) {
        changes.lockTier(release.tier());
        var updated = jdbc.sql("""
                        UPDATE releases SET version_id = :vid, tx_hash = :tx, block_number = :block
                        WHERE tier = :tier AND version_string = :v""")
                .param("vid", release.versionId())
                .param("tx", txHash)
                .param("block", blockNumber)
                .param("tier", release.tier().name())
                .param("v", release.versionString())
                .update();
        if (updated > 0) {
            return java.util.Optional.empty();
        }
        repository.currentForTier(release.tier())
                .filter(open -> !open.rollout().status().isFinished())
                .ifPresent(open -> changes.change(open.id(), actor, "aborted: superseded by " + release.versionString()
                                + " published on-chain", cause,
                        (r, now) -> RolloutEngine.abort(r, now, "superseded by " + release.versionString())));
        var view = start(release, config, defaults.thresholds(), actor, cause);
        jdbc.sql("UPDATE releases SET tx_hash = :tx, block_number = :block WHERE tier = :tier AND version_string = :v")
                .param("tx", txHash)
                .param("block", blockNumber)
                .param("tier", release.tier().name())
                .param("v", release.versionString())
                .update();
        return java.util.Optional.of(view);
    }
}
