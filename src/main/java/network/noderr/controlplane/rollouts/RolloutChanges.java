package network.noderr.controlplane.rollouts;

import java.time.Clock;
import java.util.UUID;
import java.util.function.BiFunction;
import network.noderr.controlplane.rollouts.RolloutTransitioned.Cause;
import network.noderr.controlplane.rollouts.engine.IllegalTransitionException;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * How a rollout changes, for {@link Rollouts} and its collaborators, always inside the caller's transaction: the
 * tier's lock, the compare-and-set on the rollout's revision, the timeline entry and the tier's nodes being told.
 */
@Component
class RolloutChanges {

    private final RolloutRepository repository;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final RolloutMetrics metrics;
    private final RolloutViews views;

    RolloutChanges(RolloutRepository repository, JdbcClient jdbc, Clock clock, ApplicationEventPublisher events,
            RolloutMetrics metrics, RolloutViews views) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.clock = clock;
        this.events = events;
        this.metrics = metrics;
        this.views = views;
    }

    RolloutView change(UUID id, String actor, String event, Cause cause,
            BiFunction<Rollout, java.time.Instant, Rollout> fn) {
        return change(id, actor, event, cause, fn, true);
    }

    /**
     * Takes the tier's lock first (as the emergency rollback, the publish and the indexer do), so a pause, resume,
     * promote or abort waits for an emergency rollback in progress instead of racing it.
     *
     * @param announce false when the caller announced the change to the tier's nodes itself
     */
    private RolloutView change(UUID id, String actor, String event, Cause cause,
            BiFunction<Rollout, java.time.Instant, Rollout> fn, boolean announce) {
        lockTier(repository.find(id).orElseThrow(() -> RolloutViews.notFound(id)).tier());
        return tryChange(id, actor, event, cause, fn, announce).orElseThrow(() -> new ProblemException(409,
                "concurrent-change", "Changed meanwhile",
                "Someone else changed this rollout a moment ago. Reload it and try again."));
    }

    /** One compare-and-set on the rollout's revision; empty when it changed meanwhile (nothing was written). */
    java.util.Optional<RolloutView> tryChange(UUID id, String actor, String event, Cause cause,
            BiFunction<Rollout, java.time.Instant, Rollout> fn, boolean announce) {
        var stored = repository.find(id).orElseThrow(() -> RolloutViews.notFound(id));
        var now = clock.instant();
        Rollout next;
        try {
            next = fn.apply(stored.rollout(), now);
        } catch (IllegalTransitionException e) {
            throw new ProblemException(409, "illegal-transition", "Not possible in this state", e.getMessage());
        }
        var snapshot = next.status().isFinished() && !stored.rollout().status().isFinished()
                ? views.toJson(views.liveCounts(stored))
                : null;
        if (!repository.update(id, stored.revision(), next, now, snapshot)) {
            return java.util.Optional.empty();
        }
        record(id, stored.tier(), next, event, actor, cause, now);
        if (next.status() == RolloutStatus.ABORTED && stored.rollout().status() != RolloutStatus.ABORTED) {
            stayOnWhatTheyRun(stored.tier(), next.targetVersion());
        }
        if (next.status() == RolloutStatus.ROLLED_BACK) {
            metrics.rollback(stored.tier(), "manual");
        }
        if (announce) {
            changed(stored.tier(), TierChanged.Kind.CHECK_NOW, next.targetVersion());
        }
        return java.util.Optional.of(views.view(id));
    }

    /**
     * Counts a manual rollback of a rollout that had finished before (an emergency rollback after it completed): it
     * keeps its status, so {@link #tryChange} does not see it become rolled back.
     */
    void countManualRollback(Tier tier) {
        metrics.rollback(tier, "manual");
    }

    /**
     * An aborted rollout moves no node any more (the version query tells each one to stay): the registry's targets
     * say so at once, not only after each node's next poll.
     */
    private void stayOnWhatTheyRun(Tier tier, String abortedVersion) {
        jdbc.sql("""
                        UPDATE node_versions SET target_version = current_version, updated_at = now()
                        WHERE tier = :tier AND target_version = :v AND current_version IS DISTINCT FROM :v""")
                .param("tier", tier.name())
                .param("v", abortedVersion)
                .update();
    }

    /**
     * Every entry in a rollout's timeline goes through here: stored, and published as {@link RolloutTransitioned}
     * (the audit log records the ones no request or automatic-rollback entry covers).
     */
    void record(UUID id, Tier tier, Rollout after, String event, String actor, Cause cause, java.time.Instant now) {
        record(id, tier, after.targetVersion(), after.status(), event, actor, cause, now);
    }

    void record(UUID id, Tier tier, String version, RolloutStatus status, String event, String actor, Cause cause,
            java.time.Instant now) {
        repository.event(id, event, actor, now);
        events.publishEvent(new RolloutTransitioned(id, tier, version, status.wireName(), event, actor, cause));
    }

    /** Serialises rollout changes per tier within the transaction (initiator, indexer, reconciler). */
    void lockTier(Tier tier) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('noderr.rollouts.' || :tier))")
                .param("tier", tier.name())
                .query((rs, i) -> 1)
                .list();
    }

    /**
     * What a tier should run changed: once the change commits, the cached answer is dropped ({@link TierTargets}) and
     * the tier's nodes are told (push).
     */
    void changed(Tier tier, TierChanged.Kind kind, String version) {
        var change = jdbc.sql("""
                        SELECT version_id, image_ref, image_digest FROM releases
                        WHERE tier = :tier AND version_string = :v""")
                .param("tier", tier.name())
                .param("v", version)
                .query((rs, i) -> {
                    long id = rs.getLong(1);
                    return new TierChanged(tier, kind, version, rs.wasNull() ? null : id, rs.getString(2),
                            rs.getString(3));
                })
                .optional()
                .orElseGet(() -> new TierChanged(tier, kind, version, null));
        events.publishEvent(change);
    }
}
