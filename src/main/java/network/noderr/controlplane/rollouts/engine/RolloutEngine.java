package network.noderr.controlplane.rollouts.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a staged rollout as pure functions of (rollout, counts, now). Transitions throw
 * {@link IllegalTransitionException} when not allowed; {@link #reconcile} is idempotent.
 */
public final class RolloutEngine {

    private RolloutEngine() {}

    // ---------------------------------------------------------------------------------------------- the clock

    /** Active time since start: paused stretches do not count. */
    public static Duration effectiveElapsed(Rollout r, Instant now) {
        if (r.status() == RolloutStatus.ACTIVE && r.resumedAt() != null) {
            var current = Duration.between(r.resumedAt(), now);
            return r.elapsedBeforeResume().plus(current.isNegative() ? Duration.ZERO : current);
        }
        return r.elapsedBeforeResume();
    }

    /** The highest cohort index the clock alone makes due: k once {@code k × cohortDelayHours} have elapsed. */
    public static int dueThrough(Rollout r, Instant now) {
        if (r.status() == RolloutStatus.PENDING) {
            return -1;
        }
        long hours = effectiveElapsed(r, now).toHours();
        return (int) Math.min(4, hours / r.config().cohortDelayHours());
    }

    /**
     * When the clock makes the next cohort due: {@code now} or earlier once it is (it then still waits for the previous
     * cohort's health gate), null when nothing runs the clock (not active: pending, paused or finished) or every cohort
     * is active.
     */
    public static @Nullable Instant nextCohortDue(Rollout r, Instant now) {
        if (r.status() != RolloutStatus.ACTIVE || r.activatedThrough() >= 4) {
            return null;
        }
        var atNextStart = Duration.ofHours((long) (r.activatedThrough() + 1) * r.config().cohortDelayHours());
        return now.plus(atNextStart.minus(effectiveElapsed(r, now)));
    }

    // ---------------------------------------------------------------------------------------------- transitions

    /** Starts the rollout: the canary is active at once. */
    public static Rollout start(Rollout r, Instant now) {
        if (r.status() != RolloutStatus.PENDING) {
            // PAUSED -> ACTIVE is legal as a resume, but starting again would reset the clock and the cohorts.
            throw new IllegalTransitionException(r.status(), RolloutStatus.ACTIVE);
        }
        return new Rollout(RolloutStatus.ACTIVE, r.targetVersion(), r.config(), r.thresholds(), now, Duration.ZERO,
                now, 0, null);
    }

    /** Stops the activation clock. */
    public static Rollout pause(Rollout r, Instant now, String reason) {
        r.status().transitionTo(RolloutStatus.PAUSED);
        return r.with(RolloutStatus.PAUSED, effectiveElapsed(r, now), null, r.activatedThrough(), reason);
    }

    /** Restarts the clock where it stopped. */
    public static Rollout resume(Rollout r, Instant now) {
        return resume(r, now, Duration.ZERO);
    }

    /**
     * Restarts the clock where it stopped; for {@code gateGrace} a closed cohort gate holds the next cohort back
     * without pausing again. While paused no node updates, so without the grace the previous cohort's stragglers
     * could never close the gate that paused it, and the reconciler would pause again at once.
     */
    public static Rollout resume(Rollout r, Instant now, Duration gateGrace) {
        if (r.status() != RolloutStatus.PAUSED) {
            throw new IllegalTransitionException("Only a paused rollout can be resumed; this one is "
                    + r.status().wireName() + ".");
        }
        if (gateGrace.isNegative()) {
            throw new IllegalArgumentException("gateGrace cannot be negative, was " + gateGrace);
        }
        return r.with(RolloutStatus.ACTIVE, r.elapsedBeforeResume(), now, r.activatedThrough(), null,
                gateGrace.isZero() ? null : now.plus(gateGrace));
    }

    /**
     * Activates the next cohort now (skipping its wait and its gate). The clock moves to that cohort's start, so
     * the one after it follows a full delay later.
     */
    public static Rollout promote(Rollout r, Instant now) {
        if (r.status() != RolloutStatus.ACTIVE && r.status() != RolloutStatus.PAUSED) {
            throw new IllegalTransitionException("Only an active or paused rollout can be promoted; this one is "
                    + r.status().wireName() + ".");
        }
        if (r.activatedThrough() >= 4) {
            throw new IllegalTransitionException("Every cohort is already active; nothing to promote.");
        }
        int next = r.activatedThrough() + 1;
        var atNextStart = Duration.ofHours((long) next * r.config().cohortDelayHours());
        var elapsed = effectiveElapsed(r, now);
        var newElapsed = elapsed.compareTo(atNextStart) > 0 ? elapsed : atNextStart;
        if (r.status() == RolloutStatus.ACTIVE) {
            return r.with(RolloutStatus.ACTIVE, newElapsed, now, next, null);
        }
        return r.with(RolloutStatus.PAUSED, newElapsed, null, next, r.reason());
    }

    public static Rollout abort(Rollout r, Instant now, String reason) {
        r.status().transitionTo(RolloutStatus.ABORTED);
        return r.with(RolloutStatus.ABORTED, effectiveElapsed(r, now), null, r.activatedThrough(), reason);
    }

    public static Rollout rollBack(Rollout r, Instant now, String reason) {
        r.status().transitionTo(RolloutStatus.ROLLED_BACK);
        return r.with(RolloutStatus.ROLLED_BACK, effectiveElapsed(r, now), null, r.activatedThrough(), reason);
    }

    // ---------------------------------------------------------------------------------------------- decisions

    /**
     * A cohort over one of its limits.
     *
     * @param reason what is over which limit
     * @param backing how many nodes back it: the unhealthy updated nodes, or the failed update attempts
     * @param operators how many distinct operators those nodes belong to
     * @param automatic whether they are at least the rollout's minimum sample, of at least its minimum of operators,
     *     and the tier's nodes on earlier releases do not share the trouble, so the tier rolls back by itself;
     *     otherwise the rollout pauses and a person decides
     * @param sharedWithBaseline when the nodes on earlier releases are as unhealthy: says so; else null
     */
    public record Breach(String reason, long backing, long operators, boolean automatic,
            @Nullable String sharedWithBaseline) {

        Breach(String reason, long backing, long operators, RolloutThresholds t, @Nullable String sharedWithBaseline) {
            this(reason, backing, operators,
                    backing >= t.minSample() && operators >= t.minOperators() && sharedWithBaseline == null,
                    sharedWithBaseline);
        }

        /** Why this breach does not roll the tier back by itself (meaningful when it is not {@code automatic}). */
        public String notAutomaticBecause(RolloutThresholds t) {
            var nodes = backing + " " + (backing == 1 ? "node" : "nodes");
            if (backing < t.minSample()) {
                return String.format(java.util.Locale.ROOT,
                        "but only %s behind it (fewer than the minimum sample of %d)", nodes, t.minSample());
            }
            if (operators < t.minOperators()) {
                return String.format(java.util.Locale.ROOT,
                        "%s behind it, %s: an automatic rollback needs nodes of %d operators", nodes,
                        operators <= 1 ? "all of one operator" : "of only " + operators + " operators",
                        t.minOperators());
            }
            return java.util.Objects.requireNonNullElse(sharedWithBaseline, "");
        }
    }

    /**
     * The tier's nodes that run an earlier release, and how many of them are unhealthy: the comparison for the
     * release's nodes. When they are over the unhealthy limit too, an unhealthy share among the release's nodes is
     * the tier's trouble (a network, a region, a shared dependency) at least as much as the release's, and rolling
     * every node back at emergency priority would not cure it.
     */
    public record Baseline(long nodes, long unhealthy) {

        public static final Baseline NONE = new Baseline(0, 0);

        /** Summed over every cohort of the tier, active or not. */
        public static Baseline of(Map<Cohort, CohortCounts> counts) {
            long nodes = 0;
            long unhealthy = 0;
            for (var c : counts.values()) {
                nodes += c.baselineNodes();
                unhealthy += c.baselineUnhealthy();
            }
            return new Baseline(nodes, unhealthy);
        }

        double ratio() {
            return nodes == 0 ? 0 : unhealthy * 1.0 / nodes;
        }

        /**
         * Whether it explains an unhealthy share of {@code ratio} among the release's nodes: at least the minimum
         * sample of nodes on earlier releases, over the unhealthy limit themselves, and the release's share not more
         * than the limit above theirs (a release clearly worse than the tier still rolls back).
         */
        boolean explains(double ratio, RolloutThresholds t) {
            return nodes >= t.minSample() && ratio() > t.maxUnhealthyRatio()
                    && ratio - ratio() <= t.maxUnhealthyRatio();
        }
    }

    /**
     * Whether this cohort is over a limit: over nodes already on the target, more than {@code maxUnhealthyRatio}
     * unhealthy, or more than {@code maxErrorRate} of update attempts failed. When both are, a breach with enough
     * nodes (of enough operators) behind it for an automatic rollback comes first, then the unhealthy share.
     */
    public static Optional<Breach> breach(Cohort cohort, CohortCounts c, RolloutThresholds t) {
        return breach(cohort, c, t, Baseline.NONE);
    }

    /**
     * As {@link #breach(Cohort, CohortCounts, RolloutThresholds)}; an unhealthy share that the tier's nodes on
     * earlier releases share ({@link Baseline#explains}) is a breach, but not an automatic one.
     */
    public static Optional<Breach> breach(Cohort cohort, CohortCounts c, RolloutThresholds t, Baseline baseline) {
        Breach unhealthy = null;
        if (c.updated() > 0 && c.unhealthy() * 1.0 / c.updated() > t.maxUnhealthyRatio()) {
            double ratio = c.unhealthy() * 1.0 / c.updated();
            var shared = baseline.explains(ratio, t) ? String.format(java.util.Locale.ROOT,
                    "but %d of %d nodes on earlier releases are unhealthy too (%.1f%%): more likely trouble of the"
                            + " tier than of the release", baseline.unhealthy(), baseline.nodes(),
                    100 * baseline.ratio()) : null;
            unhealthy = new Breach(String.format(java.util.Locale.ROOT,
                    "%s: %d of %d updated nodes unhealthy (%.1f%% > %.1f%%)", cohort.wireName(), c.unhealthy(),
                    c.updated(), 100 * ratio, 100 * t.maxUnhealthyRatio()),
                    c.unhealthy(), c.unhealthyOperators(), t, shared);
        }
        Breach errors = null;
        if (c.updateAttempts() > 0 && c.updateFailures() * 1.0 / c.updateAttempts() > t.maxErrorRate()) {
            errors = new Breach(String.format(java.util.Locale.ROOT,
                    "%s: %d of %d updates failed or rolled back (%.1f%% > %.1f%%)", cohort.wireName(),
                    c.updateFailures(), c.updateAttempts(), 100.0 * c.updateFailures() / c.updateAttempts(),
                    100 * t.maxErrorRate()),
                    c.updateFailures(), c.failureOperators(), t, null);
        }
        if (unhealthy != null && (unhealthy.automatic() || errors == null || !errors.automatic())) {
            return Optional.of(unhealthy);
        }
        return Optional.ofNullable(errors);
    }

    /**
     * Why this cohort should make the tier roll back by itself, if it should: a {@link #breach} backed by at least
     * {@code minSample} nodes of at least {@code minOperators} operators.
     */
    public static Optional<String> rollbackReason(Cohort cohort, CohortCounts c, RolloutThresholds t) {
        return breach(cohort, c, t).filter(Breach::automatic).map(Breach::reason);
    }

    /** Why the cohort is not ready for the next one to start, if it is not. A cohort without nodes is ready. */
    public static Optional<String> gateReason(Cohort cohort, CohortCounts c, RolloutThresholds t) {
        var breach = breach(cohort, c, t);
        if (breach.isPresent()) {
            return breach.map(Breach::reason);
        }
        if (c.nodes() > 0 && c.updated() * 1.0 / c.nodes() < t.gateMinUpdatedRatio()) {
            return Optional.of(String.format(java.util.Locale.ROOT, "%s not healthy yet: %d of %d nodes updated (needs %.0f%%)",
                    cohort.wireName(), c.updated(), c.nodes(), 100 * t.gateMinUpdatedRatio()));
        }
        return Optional.empty();
    }

    /**
     * What one reconcile step did; {@code changed} is false when it did nothing. {@code needsDecision}: it paused the
     * rollout because a cohort is over a limit with too few nodes (or operators) behind the breach for an automatic
     * rollback.
     */
    public record Step(Rollout rollout, List<String> events, boolean changed, boolean rolledBack,
            boolean needsDecision) {

        public Step(Rollout rollout, List<String> events, boolean changed, boolean rolledBack) {
            this(rollout, events, changed, rolledBack, false);
        }
    }

    /**
     * One idempotent reconcile step: automatic rollback first (any active cohort over its limits with at least the
     * minimum sample, of the minimum of operators, behind the breach; a breach with fewer nodes or operators behind
     * it pauses an active rollout instead, unless
     * a resume's grace holds, and leaves a paused one paused), then activation
     * of due cohorts through their gates (a closed gate pauses the rollout with the reason, unless a resume's grace
     * still holds it: then the next cohort just waits), then completion when every cohort is active and every node
     * runs the target.
     */
    public static Step reconcile(Rollout r, Map<Cohort, CohortCounts> counts, Instant now) {
        if (r.status() != RolloutStatus.ACTIVE && r.status() != RolloutStatus.PAUSED) {
            return new Step(r, List.of(), false, false);
        }
        var rollback = rollbackCheck(r, counts, now, List.of());
        if (rollback.isPresent()) {
            return rollback.get();
        }
        if (r.status() == RolloutStatus.PAUSED) {
            return new Step(r, List.of(), false, false);
        }
        var events = new ArrayList<String>();
        var current = r;
        while (current.activatedThrough() < dueThrough(current, now)) {
            var previous = Cohort.ofIndex(current.activatedThrough());
            var gate = gateReason(previous, counts.getOrDefault(previous, CohortCounts.EMPTY), r.thresholds());
            if (gate.isPresent()) {
                if (current.isGateHeld(now)) {
                    break; // the previous cohort's stragglers are still updating after a resume
                }
                var next = Cohort.ofIndex(current.activatedThrough() + 1);
                var text = "paused before " + next.wireName() + ": " + gate.get();
                events.add(text);
                return new Step(pause(current, now, text), events, true, false);
            }
            current = current.with(RolloutStatus.ACTIVE, current.elapsedBeforeResume(), current.resumedAt(),
                    current.activatedThrough() + 1, null);
            events.add(Cohort.ofIndex(current.activatedThrough()).wireName() + " activated");
        }
        // Cohorts activated just now are held to the same limits, so a second identical call changes nothing.
        var lateRollback = rollbackCheck(current, counts, now, events);
        if (lateRollback.isPresent()) {
            return lateRollback.get();
        }
        var total = total(counts);
        if (current.activatedThrough() == 4 && total.nodes() > 0 && total.updated() == total.nodes()
                && noBreach(current, counts)) {
            current = current.with(RolloutStatus.COMPLETED, effectiveElapsed(current, now), null, 4, null);
            events.add("completed: all " + total.nodes() + " nodes run " + r.targetVersion());
        }
        return new Step(current, events, !current.equals(r), false);
    }

    /** Whether no active cohort is over a limit (one held by a resume's grace keeps the rollout from completing). */
    private static boolean noBreach(Rollout r, Map<Cohort, CohortCounts> counts) {
        return r.activeCohorts().stream().allMatch(cohort ->
                breach(cohort, counts.getOrDefault(cohort, CohortCounts.EMPTY), r.thresholds()).isEmpty());
    }

    /** The choices a pause for a decision names, ending its reason (the adapter narrows them for a first release). */
    public static final String DECISION = "resume, roll back or abort";

    private static Optional<Step> rollbackCheck(
            Rollout r, Map<Cohort, CohortCounts> counts, Instant now, List<String> earlierEvents) {
        Breach unbacked = null;
        var baseline = Baseline.of(counts);
        for (var cohort : r.activeCohorts()) {
            var breach = breach(cohort, counts.getOrDefault(cohort, CohortCounts.EMPTY), r.thresholds(), baseline);
            if (breach.isEmpty()) {
                continue;
            }
            if (breach.get().automatic()) {
                var text = "automatic rollback: " + breach.get().reason();
                var events = new ArrayList<>(earlierEvents);
                events.add(text);
                return Optional.of(new Step(rollBack(r, now, text), events, true, true));
            }
            if (unbacked == null) {
                unbacked = breach.get();
            }
        }
        if (unbacked == null || r.status() != RolloutStatus.ACTIVE || r.isGateHeld(now)) {
            return Optional.empty(); // a paused one stays paused; during a resume's grace the gate holds instead
        }
        var text = "paused, no automatic rollback: " + unbacked.reason() + ", "
                + unbacked.notAutomaticBecause(r.thresholds()) + ": " + DECISION;
        var events = new ArrayList<>(earlierEvents);
        events.add(text);
        return Optional.of(new Step(pause(r, now, text), events, true, false, true));
    }

    // ---------------------------------------------------------------------------------------------- phase

    /** Phases as the API names them. */
    public enum Phase {
        CANARY, COHORT1, COHORT2, COHORT3, COHORT4, COMPLETE, PAUSED, ROLLED_BACK, ABORTED, PENDING;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The phase and a sentence about it. */
    public record PhaseView(Phase phase, String message) {}

    /**
     * The one place the phase is derived, in priority order: aborted / rolled back > paused > pending > complete >
     * the highest active cohort.
     */
    public static PhaseView phase(Rollout r, Map<Cohort, CohortCounts> counts) {
        return phase(r, counts, null);
    }

    /**
     * As {@link #phase(Rollout, Map)}; at {@code now}, an active rollout whose next cohort is due but held back by a
     * resume's grace at a closed gate says so (until when, and why), since it neither advances nor pauses meanwhile.
     */
    public static PhaseView phase(Rollout r, Map<Cohort, CohortCounts> counts, @Nullable Instant now) {
        var view = phaseOf(r, counts);
        var due = now == null ? null : nextCohortDue(r, now);
        // Only a hold the next cohort meets: one due after the grace (a rollout paused and resumed early) waits for
        // its time, not for the grace, so naming the grace would say it starts sooner than it does.
        if (now != null && r.status() == RolloutStatus.ACTIVE && view.phase() != Phase.COMPLETE && r.isGateHeld(now)
                && r.activatedThrough() >= 0 && r.activatedThrough() < 4 && due != null
                && !due.isAfter(java.util.Objects.requireNonNull(r.gateHoldUntil()))) {
            var previous = Cohort.ofIndex(r.activatedThrough());
            var gate = gateReason(previous, counts.getOrDefault(previous, CohortCounts.EMPTY), r.thresholds());
            if (gate.isPresent()) {
                var next = Cohort.ofIndex(r.activatedThrough() + 1);
                return new PhaseView(view.phase(), view.message() + "; " + next.wireName() + " held back until "
                        + java.time.format.DateTimeFormatter.ISO_INSTANT.format(
                                java.util.Objects.requireNonNull(r.gateHoldUntil()).truncatedTo(
                                        java.time.temporal.ChronoUnit.SECONDS))
                        + " (the grace after the resume; then it pauses if the gate is still closed): " + gate.get());
            }
        }
        return view;
    }

    private static PhaseView phaseOf(Rollout r, Map<Cohort, CohortCounts> counts) {
        var total = total(counts);
        return switch (r.status()) {
            case ABORTED -> new PhaseView(Phase.ABORTED, "aborted: " + r.reason());
            case ROLLED_BACK -> new PhaseView(Phase.ROLLED_BACK, r.reason() == null ? "rolled back" : r.reason());
            case PAUSED -> new PhaseView(Phase.PAUSED, r.reason() == null ? "paused" : r.reason());
            case PENDING -> new PhaseView(Phase.PENDING, "waiting to start");
            case COMPLETED -> new PhaseView(Phase.COMPLETE, "all nodes run " + r.targetVersion());
            case ACTIVE -> {
                if (r.activatedThrough() == 4 && total.nodes() > 0 && total.updated() == total.nodes()) {
                    // reconcile completes it only while no active cohort is over a limit (a resume's grace can hold
                    // one that is): until then it is still rolling out, and a publish is refused as such.
                    var held = r.activeCohorts().stream()
                            .map(cohort -> breach(cohort, counts.getOrDefault(cohort, CohortCounts.EMPTY),
                                    r.thresholds()))
                            .flatMap(Optional::stream)
                            .findFirst();
                    if (held.isEmpty()) {
                        yield new PhaseView(Phase.COMPLETE, "all nodes run " + r.targetVersion());
                    }
                    yield new PhaseView(Phase.COHORT4, String.format(java.util.Locale.ROOT,
                            "cohort4 active: all %d nodes run %s, but it does not complete while %s",
                            total.nodes(), r.targetVersion(), held.get().reason()));
                }
                var cohort = Cohort.ofIndex(Math.max(0, r.activatedThrough()));
                yield new PhaseView(Phase.valueOf(cohort.name()), String.format(java.util.Locale.ROOT, "%s active: %d of %d nodes updated",
                        cohort.wireName(), total.updated(), total.nodes()));
            }
        };
    }

    public static CohortCounts total(Map<Cohort, CohortCounts> counts) {
        return counts.values().stream().reduce(CohortCounts.EMPTY, CohortCounts::plus);
    }
}
