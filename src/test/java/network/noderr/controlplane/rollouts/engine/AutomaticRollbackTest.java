package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.T0;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.activeThrough;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.counts;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdated;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdatedExcept;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.hours;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Automatic rollback (DESIGN §4): per activated cohort, over nodes on the target, unhealthy / updated > 10 % or failed
 * update reports / attempts > 5 % roll the tier back, when at least the minimum sample of nodes (3), of at least the
 * minimum of operators (2), backs the breach; a breach backed by fewer nodes or operators pauses the rollout instead.
 */
class AutomaticRollbackTest {

    private static final RolloutThresholds DEFAULTS = RolloutThresholds.DEFAULT;

    /** What one reconcile step does about a cohort's counts. */
    enum Outcome { NONE, PAUSE, ROLLBACK }

    @ParameterizedTest(name = "{1} unhealthy of {0} updated → {2}")
    @CsvSource({
        "100, 0,  NONE",
        "100, 10, NONE",
        "100, 11, ROLLBACK",
        "10,  1,  NONE",
        "10,  2,  PAUSE",     // 20 % unhealthy, but 2 nodes are fewer than the minimum sample of 3
        "20,  2,  NONE",
        "20,  3,  ROLLBACK",
        "3,   3,  ROLLBACK",
        "1,   1,  PAUSE",     // a lone node reporting itself unhealthy cannot roll the tier back
        "2,   2,  PAUSE",
        "0,   0,  NONE",
    })
    void unhealthyShareOverTenPercentRollsBack(long updated, long unhealthy, Outcome outcome) {
        var r = activeThrough(1, DEFAULTS);
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.COHORT1, counts(updated, updated, unhealthy, updated, 0)), T0);
        var breach = String.format(Locale.ROOT, "cohort1: %d of %d updated nodes unhealthy (%.1f%% > 10.0%%)",
                unhealthy, updated, updated == 0 ? 0 : 100.0 * unhealthy / updated);
        assertOutcome(step, r, outcome, breach, unhealthy);
    }

    @ParameterizedTest(name = "{1} failures of {0} attempts → {2}")
    @CsvSource({
        "100, 0, NONE",
        "100, 5, NONE",
        "100, 6, ROLLBACK",
        "20,  1, NONE",
        "20,  2, PAUSE",
        "20,  3, ROLLBACK",
        "3,   3, ROLLBACK",
        "1,   1, PAUSE",      // one failed attempt of one: 100 %, but one node is no sample
        "2,   1, PAUSE",
        "0,   0, NONE",
    })
    void errorRateOverFivePercentRollsBack(long attempts, long failures, Outcome outcome) {
        var r = activeThrough(1, DEFAULTS);
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.CANARY, counts(100, 100, 0, attempts, failures)), T0);
        var breach = String.format(Locale.ROOT, "canary: %d of %d updates failed or rolled back (%.1f%% > 5.0%%)",
                failures, attempts, attempts == 0 ? 0 : 100.0 * failures / attempts);
        assertOutcome(step, r, outcome, breach, failures);
    }

    @ParameterizedTest(name = "min sample {0}: {1} of {2} failed → {3}")
    @CsvSource({
        "1, 1, 1,   ROLLBACK",
        "1, 1, 10,  ROLLBACK",
        "5, 4, 4,   PAUSE",
        "5, 5, 5,   ROLLBACK",
        "5, 5, 200, NONE",    // 2.5 %: under the rate, whatever the sample
    })
    void theMinimumSampleIsPerRollout(int minSample, long failures, long attempts, Outcome outcome) {
        // a single failed node is of a single operator: the minimum sample alone decides with a minimum of one
        var r = activeThrough(0, DEFAULTS.withMinSample(minSample).withMinOperators(1));
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.CANARY, counts(attempts, attempts, 0, attempts, failures)), T0);
        assertThat(outcome(step)).isEqualTo(outcome);
        if (outcome == Outcome.PAUSE) {
            assertThat(step.rollout().reason()).endsWith("(fewer than the minimum sample of " + minSample
                    + "): resume, roll back or abort");
        }
    }

    @ParameterizedTest(name = "limits {0}/{1}: {3} unhealthy, {4} failed of 100 → {5}")
    @CsvSource({
        // maxUnhealthy, maxError, (gate), unhealthy, failures, outcome
        "0.20, 0.50, 0.9, 20, 50, NONE",
        "0.20, 0.50, 0.9, 21, 0,  ROLLBACK",
        "0.20, 0.50, 0.9, 0,  51, ROLLBACK",
        "0.00, 0.00, 0.9, 0,  0,  NONE",
        "0.00, 0.00, 0.9, 1,  0,  PAUSE",
        "0.00, 0.00, 0.9, 0,  1,  PAUSE",
        "0.00, 0.00, 0.9, 3,  0,  ROLLBACK",
        "0.00, 0.00, 0.9, 0,  3,  ROLLBACK",
        "1.00, 1.00, 0.9, 100, 100, NONE",
    })
    void customThresholdsAreHonoured(double maxUnhealthy, double maxError, double gate, long unhealthy, long failures,
            Outcome outcome) {
        var thresholds = new RolloutThresholds(maxUnhealthy, maxError, gate);
        var r = activeThrough(2, thresholds);
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.COHORT2, counts(100, 100, unhealthy, 100, failures)), T0);
        assertThat(outcome(step)).isEqualTo(outcome);
        assertThat(step.rollout().status()).isEqualTo(switch (outcome) {
            case NONE -> RolloutStatus.ACTIVE;
            case PAUSE -> RolloutStatus.PAUSED;
            case ROLLBACK -> RolloutStatus.ROLLED_BACK;
        });
        if (outcome == Outcome.ROLLBACK) {
            assertThat(step.rollout().reason()).startsWith("automatic rollback: cohort2: ");
        }
    }

    /**
     * One operator (one application) registering many nodes cannot roll a release back: its nodes back a breach of
     * any size, but an automatic rollback needs nodes of {@code minOperators} operators; fewer pause the rollout.
     */
    @ParameterizedTest(name = "min operators {0}: {1} failed of {2} operators → {3}")
    @CsvSource({
        "2, 4, 1, PAUSE",
        "2, 4, 2, ROLLBACK",
        "3, 4, 2, PAUSE",
        "3, 4, 3, ROLLBACK",
        "1, 4, 1, ROLLBACK",  // 1: the old rule, any operator's nodes roll back
        "2, 2, 2, PAUSE",     // two operators, but fewer nodes than the minimum sample of 3
    })
    void theMinimumOfOperatorsIsPerRollout(int minOperators, long failures, long operators, Outcome outcome) {
        var r = activeThrough(0, DEFAULTS.withMinOperators(minOperators));
        var canary = new CohortCounts(4, 4, 4, 0, 4, failures, 0, operators);
        var step = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.CANARY, canary), T0);
        assertThat(outcome(step)).isEqualTo(outcome);
    }

    @Test
    void aBreachOfOneOperatorsNodesPausesAndSaysSo() {
        var r = activeThrough(1, DEFAULTS);
        var oneOperator = new CohortCounts(4, 4, 0, 4, 4, 0, 1, 0);
        var step = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.COHORT1, oneOperator), T0);
        assertThat(outcome(step)).isEqualTo(Outcome.PAUSE);
        assertThat(step.needsDecision()).isTrue();
        assertThat(step.rollout().reason()).isEqualTo("paused, no automatic rollback: cohort1: 4 of 4 updated nodes"
                + " unhealthy (100.0% > 10.0%), 4 nodes behind it, all of one operator: an automatic rollback needs"
                + " nodes of 2 operators: resume, roll back or abort");

        var threeOfTwo = DEFAULTS.withMinOperators(3);
        var twoOperators = new CohortCounts(100, 100, 100, 0, 100, 10, 0, 2);
        var paused = RolloutEngine.reconcile(activeThrough(0, threeOfTwo),
                everyCohortUpdatedExcept(Cohort.CANARY, twoOperators), T0);
        assertThat(paused.rollout().reason()).isEqualTo("paused, no automatic rollback: canary: 10 of 100 updates"
                + " failed or rolled back (10.0% > 5.0%), 10 nodes behind it, of only 2 operators: an automatic"
                + " rollback needs nodes of 3 operators: resume, roll back or abort");

        var twoOperatorsUnhealthy = new CohortCounts(4, 4, 0, 4, 4, 0, 2, 0);
        var rolledBack = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.COHORT1, twoOperatorsUnhealthy),
                T0);
        assertThat(outcome(rolledBack)).isEqualTo(Outcome.ROLLBACK);
        assertThat(rolledBack.rollout().reason())
                .isEqualTo("automatic rollback: cohort1: 4 of 4 updated nodes unhealthy (100.0% > 10.0%)");
    }

    /** A breach with enough operators behind it wins over one of a single operator's nodes, as over a small one. */
    @Test
    void aBreachOfEnoughOperatorsRollsBackWhenTheOtherIsOfOneOperator() {
        var r = activeThrough(0, DEFAULTS);
        var canary = new CohortCounts(10, 10, 6, 4, 10, 3, 1, 3);
        var step = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.CANARY, canary), T0);
        assertThat(outcome(step)).isEqualTo(Outcome.ROLLBACK);
        assertThat(step.rollout().reason()).contains("3 of 10 updates failed");
    }

    @Test
    void operatorsCannotOutnumberTheirNodes() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new CohortCounts(4, 4, 0, 2, 0, 0, 3, 0));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> DEFAULTS.withMinOperators(0));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> DEFAULTS.withMinOperators(1_000_001));
    }

    /** A breach too small to roll back pauses once; while paused it changes nothing, and more nodes roll back. */
    @Test
    void aPauseForTooSmallASampleWaitsForAPersonUnlessMoreNodesBackTheBreach() {
        var r = activeThrough(0, DEFAULTS);
        var one = everyCohortUpdatedExcept(Cohort.CANARY, counts(1, 1, 0, 1, 1));
        var paused = RolloutEngine.reconcile(r, one, hours(1));
        assertThat(outcome(paused)).isEqualTo(Outcome.PAUSE);
        assertThat(paused.rollout().reason()).isEqualTo("paused, no automatic rollback: canary: 1 of 1 updates failed"
                + " or rolled back (100.0% > 5.0%), but only 1 node behind it (fewer than the minimum sample of 3)"
                + ": resume, roll back or abort");
        assertThat(paused.events()).containsExactly(paused.rollout().reason());

        var again = RolloutEngine.reconcile(paused.rollout(), one, hours(2));
        assertThat(again.changed()).as("paused already: nothing to do").isFalse();

        // While a resume's grace holds, the small breach holds the next cohort back instead of pausing again.
        var resumed = RolloutEngine.resume(paused.rollout(), hours(30), java.time.Duration.ofMinutes(15));
        var held = RolloutEngine.reconcile(resumed, one, hours(30).plusSeconds(60));
        assertThat(held.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(held.rollout().activatedThrough()).as("the gate stays closed").isZero();
        var afterGrace = RolloutEngine.reconcile(resumed, one, hours(31));
        assertThat(outcome(afterGrace)).isEqualTo(Outcome.PAUSE);

        var three = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 10, 0, 10, 3));
        var rolledBack = RolloutEngine.reconcile(paused.rollout(), three, hours(3));
        assertThat(outcome(rolledBack)).isEqualTo(Outcome.ROLLBACK);
        assertThat(rolledBack.rollout().reason()).isEqualTo(
                "automatic rollback: canary: 3 of 10 updates failed or rolled back (30.0% > 5.0%)");
    }

    /**
     * The canary's 20 updated nodes against the tier's nodes still on the earlier release (in cohorts 2–4, not yet
     * due): when those are over the unhealthy limit too, the canary's share is the tier's trouble as much as the
     * release's, and the rollout pauses for a person instead of rolling every node back; a release clearly worse
     * than the tier (more than the limit above it) still rolls back, and so does any breach while the tier is well.
     */
    @ParameterizedTest(name = "canary {0} of 20 unhealthy, earlier release {1} of {2} → {3}")
    @CsvSource({
        "6,  0,  300, ROLLBACK",  // 30 % against a well tier: the release
        "6,  30, 300, ROLLBACK",  // the tier at exactly 10 %: not over the limit itself
        "6,  75, 300, PAUSE",     // 30 % against 25 %: the tier's trouble
        "10, 75, 300, ROLLBACK",  // 50 % against 25 %: more than 10 points worse
        "7,  75, 300, PAUSE",     // 35 % against 25 %: exactly 10 points worse is not more
        "6,  2,  2,   ROLLBACK",  // 2 nodes on the earlier release are no sample
        "2,  75, 300, NONE",      // 10 %: no breach at all
    })
    void anUnhealthyTierPausesARolloutInsteadOfRollingItBack(long canaryUnhealthy, long earlierUnhealthy,
            long earlierNodes, Outcome outcome) {
        var r = activeThrough(0, DEFAULTS);
        var map = everyCohortUpdatedExcept(Cohort.CANARY, counts(20, 20, canaryUnhealthy, 20, 0));
        long perCohort = earlierNodes / 3;
        long rest = earlierNodes - 2 * perCohort;
        long unhealthyPerCohort = earlierUnhealthy / 3;
        long unhealthyRest = earlierUnhealthy - 2 * unhealthyPerCohort;
        map.put(Cohort.COHORT2, earlierRelease(perCohort, unhealthyPerCohort));
        map.put(Cohort.COHORT3, earlierRelease(perCohort, unhealthyPerCohort));
        map.put(Cohort.COHORT4, earlierRelease(rest, unhealthyRest));
        var step = RolloutEngine.reconcile(r, map, T0);
        assertThat(outcome(step)).as(step.rollout().reason()).isEqualTo(outcome);
        if (outcome == Outcome.PAUSE) {
            assertThat(step.rollout().reason()).isEqualTo(String.format(Locale.ROOT,
                    "paused, no automatic rollback: canary: %d of 20 updated nodes unhealthy (%.1f%% > 10.0%%), but"
                            + " %d of %d nodes on earlier releases are unhealthy too (%.1f%%): more likely trouble of"
                            + " the tier than of the release: resume, roll back or abort", canaryUnhealthy,
                    100.0 * canaryUnhealthy / 20, earlierUnhealthy, earlierNodes,
                    100.0 * earlierUnhealthy / earlierNodes));
            assertThat(step.needsDecision()).isTrue();
        }
    }

    /** Failed updates are the release's alone: an unhealthy tier does not hold their rollback back. */
    @Test
    void failedUpdatesRollBackWhateverTheTiersHealth() {
        var r = activeThrough(0, DEFAULTS);
        var map = everyCohortUpdatedExcept(Cohort.CANARY, counts(20, 20, 0, 20, 5));
        map.put(Cohort.COHORT2, earlierRelease(300, 150));
        assertThat(outcome(RolloutEngine.reconcile(r, map, T0))).isEqualTo(Outcome.ROLLBACK);
    }

    /** {@code nodes} nodes of a cohort not yet due, all on the earlier release, {@code unhealthy} of them unhealthy. */
    private static CohortCounts earlierRelease(long nodes, long unhealthy) {
        return new CohortCounts(nodes, 0, 0, 0, 0, 0, 0, 0, nodes, unhealthy);
    }

    /** A backed breach anywhere wins over an unbacked one, in the same cohort or an earlier one. */
    @Test
    void aBreachWithEnoughNodesRollsBackEvenWhenAnotherIsTooSmall() {
        var r = activeThrough(1, DEFAULTS);
        var map = everyCohortUpdated();
        map.put(Cohort.CANARY, counts(2, 2, 1, 2, 0));          // 50 % unhealthy, 1 node
        map.put(Cohort.COHORT1, counts(40, 40, 1, 40, 4));      // 2.5 % unhealthy; 10 % failed, 4 nodes
        var step = RolloutEngine.reconcile(r, map, T0);
        assertThat(outcome(step)).isEqualTo(Outcome.ROLLBACK);
        assertThat(step.rollout().reason()).startsWith("automatic rollback: cohort1: 4 of 40 updates failed");

        var both = RolloutEngine.breach(Cohort.CANARY, counts(10, 10, 2, 10, 5), DEFAULTS).orElseThrow();
        assertThat(both.reason()).as("20 %% unhealthy with 2 nodes; 50 %% failed with 5").startsWith("canary: 5 of 10 updates");
        assertThat(both.automatic()).isTrue();
    }

    /** A cohort over a limit closes its gate even when too few nodes back it to roll back. */
    @Test
    void aTooSmallBreachStillClosesTheGate() {
        var gate = RolloutEngine.gateReason(Cohort.CANARY, counts(1, 1, 1, 1, 0), DEFAULTS);
        assertThat(gate).hasValue("canary: 1 of 1 updated nodes unhealthy (100.0% > 10.0%)");
        assertThat(RolloutEngine.rollbackReason(Cohort.CANARY, counts(1, 1, 1, 1, 0), DEFAULTS)).isEmpty();
    }

    @Test
    void unhealthyIsCheckedBeforeErrorRate() {
        var reason = RolloutEngine.rollbackReason(Cohort.COHORT3, counts(50, 50, 25, 50, 25), DEFAULTS);
        assertThat(reason).hasValueSatisfying(r -> assertThat(r).startsWith("cohort3: 25 of 50 updated nodes unhealthy"));
    }

    @Test
    void onlyActivatedCohortsAreConsidered() {
        var r = activeThrough(1, DEFAULTS);           // canary + cohort1 active; nothing else due at T0
        var terrible = counts(100, 100, 100, 100, 100);
        for (var inactive : new Cohort[] {Cohort.COHORT2, Cohort.COHORT3, Cohort.COHORT4}) {
            var step = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(inactive, terrible), T0);
            assertThat(step.rolledBack()).as("%s is not active", inactive).isFalse();
            assertThat(step.changed()).isFalse();
        }
        var step = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.COHORT1, terrible), T0);
        assertThat(step.rolledBack()).isTrue();
    }

    @Test
    void theFirstActivatedCohortOverItsLimitsIsNamed() {
        var r = activeThrough(3, DEFAULTS);
        var map = everyCohortUpdated();
        map.put(Cohort.COHORT1, counts(10, 10, 5, 10, 0));
        map.put(Cohort.COHORT3, counts(10, 10, 5, 10, 0));
        var step = RolloutEngine.reconcile(r, map, T0);
        assertThat(step.rollout().reason()).startsWith("automatic rollback: cohort1: 5 of 10");
    }

    @Test
    void aPausedRolloutStillRollsBack() {
        var paused = RolloutEngine.pause(activeThrough(1, DEFAULTS), hours(3), "operator pause");
        var step = RolloutEngine.reconcile(paused,
                everyCohortUpdatedExcept(Cohort.CANARY, counts(100, 100, 11, 100, 0)), hours(500));
        assertRolledBack(step, paused,
                "automatic rollback: canary: 11 of 100 updated nodes unhealthy (11.0% > 10.0%)");
        // the clock stayed stopped while paused
        assertThat(step.rollout().elapsedBeforeResume()).isEqualTo(paused.elapsedBeforeResume());
    }

    @Test
    void aPausedRolloutWithinItsLimitsIsLeftAlone() {
        var paused = RolloutEngine.pause(activeThrough(1, DEFAULTS), hours(3), "operator pause");
        var step = RolloutEngine.reconcile(paused,
                everyCohortUpdatedExcept(Cohort.CANARY, counts(100, 100, 10, 100, 5)), hours(500));
        assertThat(step.changed()).isFalse();
        assertThat(step.rollout()).isEqualTo(paused);
    }

    @Test
    void aRolledBackRolloutIsNotReconsidered() {
        var r = activeThrough(1, DEFAULTS);
        var bad = everyCohortUpdatedExcept(Cohort.CANARY, counts(100, 100, 50, 100, 0));
        var first = RolloutEngine.reconcile(r, bad, T0);
        assertThat(first.rolledBack()).isTrue();
        var second = RolloutEngine.reconcile(first.rollout(), bad, T0);
        assertThat(second.rolledBack()).isFalse();
        assertThat(second.changed()).isFalse();
        assertThat(second.events()).isEmpty();
        assertThat(second.rollout()).isEqualTo(first.rollout());
    }

    private static Outcome outcome(RolloutEngine.Step step) {
        if (step.rolledBack()) {
            return Outcome.ROLLBACK;
        }
        return step.rollout().status() == RolloutStatus.PAUSED && step.changed() ? Outcome.PAUSE : Outcome.NONE;
    }

    private static void assertOutcome(RolloutEngine.Step step, Rollout before, Outcome outcome, String breach,
            long backing) {
        assertThat(outcome(step)).isEqualTo(outcome);
        switch (outcome) {
            case ROLLBACK -> assertRolledBack(step, before, "automatic rollback: " + breach);
            case PAUSE -> {
                var expected = "paused, no automatic rollback: " + breach + ", but only " + backing
                        + (backing == 1 ? " node" : " nodes")
                        + " behind it (fewer than the minimum sample of 3): resume, roll back or abort";
                assertThat(step.rollout().status()).isEqualTo(RolloutStatus.PAUSED);
                assertThat(step.needsDecision()).as("a person is asked").isTrue();
                assertThat(step.rollout().reason()).isEqualTo(expected);
                assertThat(step.events()).containsExactly(expected);
                assertThat(step.rollout().activatedThrough()).isEqualTo(before.activatedThrough());
            }
            case NONE -> {
                assertThat(step.changed()).isFalse();
                assertThat(step.rollout()).isEqualTo(before);
            }
        }
    }

    private static void assertRolledBack(RolloutEngine.Step step, Rollout before, String expectedReason) {
        assertThat(step.rolledBack()).isTrue();
        assertThat(step.needsDecision()).isFalse();
        assertThat(step.changed()).isTrue();
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(step.rollout().reason()).isEqualTo(expectedReason);
        assertThat(step.events()).containsExactly(expectedReason);
        assertThat(step.rollout().activatedThrough()).isEqualTo(before.activatedThrough());
        assertThat(step.rollout().resumedAt()).isNull();
        assertThat(step.rollout().targetVersion()).isEqualTo(before.targetVersion());
    }
}
