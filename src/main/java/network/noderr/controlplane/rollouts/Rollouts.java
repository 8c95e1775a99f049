package network.noderr.controlplane.rollouts;

import java.time.Clock;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.rollouts.RolloutTransitioned.Cause;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.IllegalTransitionException;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates and drives rollouts. Every state change is one compare-and-set on the rollout's revision, recorded in its
 * timeline with who did it and published as {@link RolloutTransitioned} (the audit log's source for changes nobody
 * asked for through the API); illegal changes are refused with 409 and a message that says what to do.
 *
 * <p>The public service other features call. It holds the commands and their transactions (the tier's lock is taken
 * inside them); the work behind them is done by package-private collaborators, in the caller's transaction:
 * {@link RolloutChanges} (the tier's lock, the compare-and-set, the timeline), {@link RolloutStarts},
 * {@link EmergencyRollbacks} and {@link RollbackRules}, {@link RolloutReconciliation} (the reconciler's step),
 * {@link RolloutViews} (the read side) and {@link TierVersionHistory} (what a tier ran and runs).
 */
@Service
public class Rollouts {

    /** The most rollouts one page holds. */
    public static final int MAX_PAGE = 200;

    private final RolloutRepository repository;
    private final Clock clock;
    private final RolloutSettings settings;
    private final RolloutStarts starts;
    private final RolloutChanges changes;
    private final RolloutViews views;
    private final TierVersionHistory history;
    private final RollbackRules rules;
    private final EmergencyRollbacks emergencies;
    private final RolloutReconciliation reconciliation;

    Rollouts(RolloutRepository repository, Clock clock, RolloutSettings settings, RolloutStarts starts,
            RolloutChanges changes, RolloutViews views, TierVersionHistory history, RollbackRules rules,
            EmergencyRollbacks emergencies, RolloutReconciliation reconciliation) {
        this.repository = repository;
        this.clock = clock;
        this.settings = settings;
        this.starts = starts;
        this.changes = changes;
        this.views = views;
        this.history = history;
        this.rules = rules;
        this.emergencies = emergencies;
        this.reconciliation = reconciliation;
    }

    /**
     * Records a release and starts its rollout (the canary is active at once). The tier's stored cohorts are
     * re-assigned by the rollout's config once this commits ({@link TierCohorts}). A new release ends any emergency
     * rollback in force for the tier. The start counts as requested by {@code actor} (not audited again); the chain
     * indexer starts rollouts through {@link #startPublished}.
     */
    @Transactional
    public RolloutView start(NewRelease release, RolloutConfig config, RolloutThresholds thresholds, String actor) {
        return starts.start(release, config, thresholds, actor, Cause.REQUEST);
    }

    @Transactional
    public RolloutView pause(UUID id, String actor, @Nullable String reason) {
        var text = reason == null || reason.isBlank() ? "paused by " + actor : reason.strip();
        return changes.change(id, actor, "paused: " + text, Cause.REQUEST, (r, now) -> RolloutEngine.pause(r, now, text));
    }

    /**
     * Restarts the clock. For {@code noderr.rollouts.gate-grace} a closed cohort gate then holds the next cohort
     * back without pausing again, so the previous cohort's stragglers (no node updates while paused) can update.
     */
    @Transactional
    public RolloutView resume(UUID id, String actor) {
        var grace = settings.gateGrace();
        var text = grace.isZero() ? "resumed"
                : "resumed: for " + minutes(grace) + " a closed cohort gate holds the next cohort without pausing again";
        return changes.change(id, actor, text, Cause.REQUEST, (r, now) -> RolloutEngine.resume(r, now, grace));
    }

    private static String minutes(java.time.Duration d) {
        long m = Math.max(1, (d.toSeconds() + 59) / 60);
        return m + (m == 1 ? " minute" : " minutes");
    }

    @Transactional
    public RolloutView promote(UUID id, String actor) {
        return promote(id, actor, null);
    }

    /**
     * Activates the next cohort now. With {@code expectedCohort} (what the admin confirmed, e.g. "cohort2") only if
     * that is still the next one: the clock may have activated it meanwhile, and a promote must not then skip the
     * gate of the cohort after it.
     */
    @Transactional
    public RolloutView promote(UUID id, String actor, @Nullable String expectedCohort) {
        return changes.change(id, actor, "promoted: next cohort activated now", Cause.REQUEST, (r, now) -> {
            if (expectedCohort != null) {
                var next = r.activatedThrough() + 1;
                var nextName = next < Cohort.values().length ? Cohort.ofIndex(next).wireName() : "none";
                if (!nextName.equals(expectedCohort)) {
                    throw new ProblemException(409, "cohort-changed", "Changed meanwhile", "You confirmed "
                            + expectedCohort + ", but the next cohort is now " + nextName
                            + " (the schedule or someone else moved on). Nothing changed; look again.");
                }
            }
            return RolloutEngine.promote(r, now);
        });
    }

    /**
     * Sets an unfinished rollout's limits for automatic rollback and the cohort gate; they apply from the
     * reconciler's next run. Nodes are not asked to check again (nothing changes for them).
     *
     * @param minSample the new minimum sample, or null to keep the rollout's own (that of {@code ratios} is ignored)
     * @param minOperators the new minimum of operators, or null to keep the rollout's own (that of {@code ratios} is
     *     ignored)
     */
    @Transactional
    public RolloutView setThresholds(UUID id, RolloutThresholds ratios, @Nullable Integer minSample,
            @Nullable Integer minOperators, String actor) {
        var stored = repository.find(id).orElseThrow(() -> RolloutViews.notFound(id));
        changes.lockTier(stored.tier());
        var now = clock.instant();
        var own = stored.rollout().thresholds();
        var thresholds = ratios.withMinSample(minSample == null ? own.minSample() : minSample)
                .withMinOperators(minOperators == null ? own.minOperators() : minOperators);
        Rollout next;
        try {
            next = stored.rollout().withThresholds(thresholds);
        } catch (IllegalTransitionException e) {
            throw new ProblemException(409, "illegal-transition", "Not possible in this state", e.getMessage());
        }
        if (!repository.update(id, stored.revision(), next, now)) {
            throw new ProblemException(409, "concurrent-change", "Changed meanwhile",
                    "Someone else changed this rollout a moment ago. Reload it and try again.");
        }
        changes.record(id, stored.tier(), next, String.format(java.util.Locale.ROOT,
                "limits: roll back above %s unhealthy or %s failed updates in a cohort when at least %d %s of at least"
                        + " %d %s back it (fewer pause it); next cohort at %s updated",
                percent(thresholds.maxUnhealthyRatio()), percent(thresholds.maxErrorRate()), thresholds.minSample(),
                thresholds.minSample() == 1 ? "node" : "nodes", thresholds.minOperators(),
                thresholds.minOperators() == 1 ? "operator" : "operators",
                percent(thresholds.gateMinUpdatedRatio())), actor,
                Cause.REQUEST, now);
        return views.view(id);
    }

    private static String percent(double ratio) {
        return new java.math.BigDecimal(ratio * 100).setScale(1, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString() + " %";
    }

    @Transactional
    public RolloutView abort(UUID id, String actor, @Nullable String reason) {
        var text = reason == null || reason.isBlank() ? "aborted by " + actor : reason.strip();
        return changes.change(id, actor, "aborted: " + text, Cause.REQUEST, (r, now) -> RolloutEngine.abort(r, now, text));
    }

    /**
     * Records a version published on-chain (by this control plane or anyone holding the publisher role) and starts
     * its rollout with the tier's on-chain rollout config. Idempotent: a version already recorded only gets its
     * on-chain coordinates. A rollout still open for the tier is superseded: the chain has moved on.
     *
     * @param cause {@link Cause#REQUEST} when this control plane sent the publish (its request is audited),
     *     {@link Cause#CHAIN} when someone else did
     * @return the new rollout, or empty when the version was already recorded
     */
    @Transactional
    public java.util.Optional<RolloutView> startPublished(NewRelease release, RolloutConfig config, String actor,
            String txHash, long blockNumber, Cause cause) {
        return starts.startPublished(release, config, actor, txHash, blockNumber, cause);
    }

    /**
     * A person's emergency rollback: done at once, or, when the tier's two-person rule is on, held as a pending
     * approval (checked now, run when a second person approves).
     */
    public RollbackOutcome requestEmergencyRollback(Tier tier, String toVersion, String reason, String actor) {
        return emergencies.request(tier, toVersion, reason, actor);
    }

    /**
     * Rolls a tier back to an earlier released version: on-chain first (the beacon, which waits for the
     * transaction), then in the engine: the tier's open rollout becomes rolled_back and every node not on that
     * version is told to update at emergency priority. When the chain refuses or cannot be reached nothing changes.
     */
    public RolloutView emergencyRollback(Tier tier, String toVersion, String reason, String actor) {
        return emergencies.rollBack(tier, toVersion, reason, actor);
    }

    /** The checks an emergency rollback must pass, before the chain is asked ({@link RollbackRules}). */
    void checkRollback(Tier tier, String toVersion, @Nullable String reason) {
        rules.checkRollback(tier, toVersion, reason);
    }

    /**
     * The version the tier's chain record points at as far as this control plane knows: the target of the emergency
     * rollback in force, else the release of the tier's latest rollout; empty for a tier with no rollout. What an
     * emergency rollback request is filed against.
     */
    public java.util.Optional<String> versionInForce(Tier tier) {
        return history.versionInForce(tier);
    }

    /**
     * The engine's half of an emergency rollback, for a rollback that is already on-chain. Idempotent: when the
     * tier is already rolled back to that version nothing changes, so the initiator and the chain indexer can
     * both call it.
     *
     * @param cause {@link Cause#REQUEST} for a rollback a person asked this control plane for, {@link Cause#CHAIN}
     *     for one made on-chain from outside
     */
    @Transactional
    public RolloutView applyRollback(Tier tier, String toVersion, String reason, String actor, Cause cause) {
        return emergencies.apply(tier, toVersion, reason, actor, cause);
    }

    /** Runs one reconcile step on every unfinished rollout; returns how many changed. */
    @Transactional
    public int reconcileAll() {
        return reconciliation.reconcileAll();
    }

    /** The unfinished (pending, active, paused) rollouts, oldest first: at most one per tier. */
    public List<RolloutView> open() {
        return views.open();
    }

    /**
     * Rollouts newest first, optionally of one tier and status, older than the rollout {@code before}: one page of
     * at most {@code limit} (1-{@value #MAX_PAGE}). Finished rollouts show the counts recorded when they finished,
     * so a page costs the same whatever the history holds: live counts only for the unfinished ones (at most one
     * per tier).
     */
    public RolloutPage list(@Nullable Tier tier, @Nullable RolloutStatus status, @Nullable UUID before, int limit) {
        return views.page(tier, status == null ? List.of() : List.of(status), before, limit);
    }

    /** Finished (completed, rolled back, aborted) rollouts, newest first, a page at a time as {@link #list}. */
    public RolloutPage finished(@Nullable Tier tier, @Nullable UUID before, int limit) {
        return views.page(tier, RolloutViews.FINISHED, before, limit);
    }

    /** How many finished rollouts there are, optionally in one tier. */
    public long finishedCount(@Nullable Tier tier) {
        return views.count(tier, RolloutViews.FINISHED);
    }

    public RolloutView get(UUID id) {
        return views.view(id);
    }

    /** The version string of a tier's release with this on-chain version id. */
    public String versionOf(Tier tier, long versionId) {
        return history.versionOf(tier, versionId);
    }

    /**
     * The tier's latest release when it was rolled back and no rollback is in force: it was the tier's first release,
     * with nothing earlier to return to, so the tier stays on it (as the rollout status API says). Empty otherwise.
     */
    public java.util.Optional<RolledBackRelease> stayingOnRolledBack(Tier tier) {
        return history.stayingOnRolledBack(tier);
    }

    /**
     * The versions rolled back, per tier: during their rollout (automatically or by an emergency rollback), or after
     * it completed, by an emergency rollback in force to an earlier version.
     */
    public java.util.Map<Tier, java.util.Set<String>> rolledBackVersions() {
        return history.rolledBackVersions();
    }

    /** The tier's current (unfinished, else latest) rollout, if any. */
    public java.util.Optional<RolloutView> current(Tier tier) {
        return views.current(tier);
    }

    /**
     * The version the tier ran when this rollout started (none for the tier's first release): what its nodes that did
     * not update run, and what an automatic rollback of it returns to.
     */
    public java.util.Optional<String> releaseBefore(UUID rolloutId) {
        return history.releaseBefore(rolloutId);
    }

    /** A rollout's update attempts and failures: the nodes it told to update, each its latest report. */
    CohortCountsQuery.Attempts attempts(UUID id) {
        return views.attempts(id);
    }
}
