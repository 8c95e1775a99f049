package network.noderr.controlplane.rollouts;

import java.time.Clock;
import java.util.ArrayList;
import network.noderr.controlplane.rollouts.RolloutTransitioned.Cause;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.shared.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * The reconciler's step over every unfinished rollout, for {@link Rollouts#reconcileAll} (which holds its
 * transaction): activates due cohorts, completes rollouts, pauses them for a decision and rolls them back
 * automatically, then says what happened in their timelines, the tier's emergency state, events and the chain.
 */
@Component
class RolloutReconciliation {

    private static final Logger log = LoggerFactory.getLogger(RolloutReconciliation.class);

    private final RolloutRepository repository;
    private final CohortCountsQuery counts;
    private final BeaconPort beacon;
    private final RolloutMetrics metrics;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final TierVersionHistory history;
    private final RolloutChanges changes;
    private final EmergencyRollbacks emergencies;
    private final RolloutViews views;

    RolloutReconciliation(RolloutRepository repository, CohortCountsQuery counts, BeaconPort beacon,
            RolloutMetrics metrics, Clock clock, ApplicationEventPublisher events, TierVersionHistory history,
            RolloutChanges changes, EmergencyRollbacks emergencies, RolloutViews views) {
        this.repository = repository;
        this.counts = counts;
        this.beacon = beacon;
        this.metrics = metrics;
        this.clock = clock;
        this.events = events;
        this.history = history;
        this.changes = changes;
        this.emergencies = emergencies;
        this.views = views;
    }

    /** Runs one reconcile step on every unfinished rollout; returns how many changed. */
    int reconcileAll() {
        int changed = 0;
        for (var stored : repository.open()) {
            var now = clock.instant();
            var c = counts.counts(stored.id(), stored.tier(), stored.rollout());
            var step = RolloutEngine.reconcile(stored.rollout(), c, now);
            if (!step.changed()) {
                continue;
            }
            var returnTo = step.rolledBack() || step.needsDecision() ? history.previousVersion(stored)
                    : java.util.Optional.<String>empty();
            var result = step.rollout();
            var texts = step.events();
            var reasonNow = result.reason();
            if (step.needsDecision() && returnTo.isEmpty() && reasonNow != null
                    && reasonNow.endsWith(": " + RolloutEngine.DECISION)) {
                // The tier ran nothing before: the pause (and its alert) names only what is possible: resume or abort
                // for its first release; a rollback by hand too when an earlier release was published (that its
                // nodes never ran), which a person may choose and the engine does not.
                var published = history.releasePublishedBefore(stored);
                result = withReason(result, reasonNow.substring(0, reasonNow.length() - RolloutEngine.DECISION.length())
                        + (published.isEmpty() ? onlyResumeOrAbort(stored.tier())
                                : resumeAbortOrRollBackByHand(stored.tier(), result.targetVersion(), published.get())));
                texts = new ArrayList<>(texts);
                texts.set(texts.size() - 1, java.util.Objects.requireNonNull(result.reason()));
            }
            if (step.rolledBack() && returnTo.isEmpty()) {
                // The tier ran nothing before (its first release, or earlier ones its nodes never ran): the tier
                // stays on this one. Its reason (the card, the API, the alert) says so instead of naming no version.
                var published = history.releasePublishedBefore(stored);
                result = withReason(result, result.reason() + "; " + (published.isEmpty()
                        ? nothingEarlier(stored.tier(), result.targetVersion())
                        : history.rolledBack(stored.tier(), published.get())
                                ? earlierRolledBack(stored.tier(), result.targetVersion(), published.get())
                                : nothingRunBefore(stored.tier(), result.targetVersion(), published.get())));
                texts = new ArrayList<>(texts);
                texts.set(texts.size() - 1, java.util.Objects.requireNonNull(result.reason()));
            }
            var snapshot = result.status().isFinished() ? views.toJson(c) : null;
            if (!repository.update(stored.id(), stored.revision(), result, now, snapshot)) {
                continue; // another replica or person changed it; the next run sees the new state
            }
            changed++;
            for (int i = 0; i < texts.size(); i++) {
                // A rollback is the step's last event; cohorts it activated before are the reconciler's own.
                var cause = step.rolledBack() && i == texts.size() - 1 ? Cause.AUTOMATIC_ROLLBACK : Cause.RECONCILER;
                // Cohorts activated on the way to a later state (a gate, completion) were activated while active.
                var status = i == texts.size() - 1 ? result.status() : RolloutStatus.ACTIVE;
                changes.record(stored.id(), stored.tier(), stored.rollout().targetVersion(), status, texts.get(i),
                        "reconciler", cause, now);
            }
            if (step.rolledBack()) {
                metrics.rollback(stored.tier(), "automatic");
                var reason = java.util.Objects.requireNonNullElse(result.reason(), "automatic rollback");
                returnTo.ifPresentOrElse(
                        previous -> {
                            emergencies.applyEmergency(stored.tier(), previous, reason, "reconciler");
                            beacon.queueEmergencyRollback(stored.tier(), previous, reason);
                        },
                        () -> log.warn("Rollout {} rolled back but {} has no earlier release to return to",
                                stored.id(), stored.tier()));
                log.warn("Automatic rollback of {} {}: {}", stored.tier(), stored.rollout().targetVersion(),
                        result.reason());
                events.publishEvent(new AutomaticRollback(stored.tier(), stored.rollout().targetVersion(),
                        returnTo.orElse(null), reason));
            }
            if (step.needsDecision()) {
                log.warn("Rollout {} {} paused for a decision: {}", stored.tier(), stored.rollout().targetVersion(),
                        result.reason());
                events.publishEvent(new RollbackDecisionNeeded(stored.tier(), stored.rollout().targetVersion(),
                        java.util.Objects.requireNonNullElse(result.reason(), "paused")));
            }
            if (!(step.rolledBack() && returnTo.isPresent())) { // a rollback to a version went out as ROLLBACK
                changes.changed(stored.tier(), TierChanged.Kind.CHECK_NOW, stored.rollout().targetVersion());
            }
        }
        return changed;
    }

    /** The choices after a pause for a decision when the tier has no earlier release to roll back to. */
    static String onlyResumeOrAbort(Tier tier) {
        return "resume or abort (no rollback: " + tier + " has no earlier release to return to)";
    }

    /** The choices after a pause for a decision when the tier's nodes ran no release before, one was published. */
    static String resumeAbortOrRollBackByHand(Tier tier, String version, String published) {
        return "resume, abort, or roll back by hand to " + published + " (" + tier + " ran no release before "
                + version + ": " + published + ", published before it, never ran on its nodes)";
    }

    /**
     * What a rolled-back rollout of a tier's first release says: the beacon rolls back only to an earlier release,
     * so the tier stays on this one until a fix is published.
     */
    static String nothingEarlier(Tier tier, String version) {
        return tier + " has no earlier release to return to: it stays on " + version
                + " (nodes that updated keep running it) until you publish a fixed release";
    }

    /**
     * What a rolled-back rollout says when the tier's nodes ran no release before it although one was published
     * (e.g. the tier's first release, aborted before any node ran it): nothing to return to automatically.
     */
    static String nothingRunBefore(Tier tier, String version, String published) {
        return tier + " ran no release before " + version + " to return to (" + published + ", published before it,"
                + " never ran on its nodes): it stays on " + version + " (nodes that updated keep running it) until you"
                + " publish a fixed release or roll back by hand";
    }

    /**
     * What a rolled-back rollout says when the release published before it was rolled back itself (e.g. the tier's
     * first release, which had nothing earlier to return to): the engine does not return nodes to a release that
     * failed, and a person may not either (rollback-target-rolled-back).
     */
    static String earlierRolledBack(Tier tier, String version, String published) {
        return tier + " ran no release before " + version + " to return to (" + published + ", published before it,"
                + " was rolled back itself): it stays on " + version + " (nodes that updated keep running it) until"
                + " you publish a fixed release";
    }

    private static Rollout withReason(Rollout r, String reason) {
        return new Rollout(r.status(), r.targetVersion(), r.config(), r.thresholds(), r.startedAt(),
                r.elapsedBeforeResume(), r.resumedAt(), r.activatedThrough(), reason, r.gateHoldUntil());
    }
}
