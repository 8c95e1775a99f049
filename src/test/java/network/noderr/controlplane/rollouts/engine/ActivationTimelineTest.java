package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.T0;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.at;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdated;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.hours;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.pending;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.started;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cohorts activate with the active (unpaused) clock: cohort k at k × cohortDelayHours (DESIGN §4). */
class ActivationTimelineTest {

    @Test
    void startActivatesOnlyTheCanary() {
        var r = started();
        assertThat(r.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(r.startedAt()).isEqualTo(T0);
        assertThat(r.resumedAt()).isEqualTo(T0);
        assertThat(r.elapsedBeforeResume()).isEqualTo(Duration.ZERO);
        assertThat(r.activatedThrough()).isZero();
        assertThat(r.isCohortActive(Cohort.CANARY)).isTrue();
        assertThat(r.isCohortActive(Cohort.COHORT1)).isFalse();
        assertThat(RolloutEngine.dueThrough(r, T0)).isZero();
    }

    @Test
    void aPendingRolloutHasNothingDueHoweverLongItWaits() {
        assertThat(RolloutEngine.dueThrough(pending(), hours(1000))).isEqualTo(-1);
        assertThat(pending().activatedThrough()).isEqualTo(-1);
        assertThat(RolloutEngine.effectiveElapsed(pending(), hours(1000))).isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest(name = "T+{0} → cohorts 0..{1}")
    @CsvSource({
        "PT0S,       0",
        "PT23H59M,   0",
        "PT23H59M59.999999999S, 0",
        "PT24H,      1",
        "PT47H59M,   1",
        "PT48H,      2",
        "PT71H59M,   2",
        "PT72H,      3",
        "PT96H,      4",
        "PT1000H,    4",
    })
    void clockMakesCohortsDue(Duration offset, int expected) {
        var r = started();
        assertThat(RolloutEngine.dueThrough(r, at(offset))).isEqualTo(expected);

        var step = RolloutEngine.reconcile(r, everyCohortUpdated(), at(offset));
        assertThat(step.rollout().activatedThrough()).isEqualTo(expected);
        assertThat(step.changed()).isEqualTo(expected > 0);
        assertThat(step.rolledBack()).isFalse();
        for (var c : Cohort.values()) {
            assertThat(step.rollout().isCohortActive(c)).as("%s active", c).isEqualTo(c.index() <= expected);
        }
    }

    @Test
    void reconcileActivatesSeveralDueCohortsInOneStepInOrder() {
        var step = RolloutEngine.reconcile(started(), everyCohortUpdated(), hours(72));
        assertThat(step.rollout().activatedThrough()).isEqualTo(3);
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(step.events()).containsExactly("cohort1 activated", "cohort2 activated", "cohort3 activated");
    }

    @Test
    void atNinetySixHoursEveryCohortIsActiveAndAFullyUpdatedTierCompletes() {
        var step = RolloutEngine.reconcile(started(), everyCohortUpdated(), hours(96));
        assertThat(step.rollout().activatedThrough()).isEqualTo(4);
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.COMPLETED);
        assertThat(step.events()).containsExactly("cohort1 activated", "cohort2 activated", "cohort3 activated",
                "cohort4 activated", "completed: all 50 nodes run 1.2.0");
    }

    @ParameterizedTest(name = "delay {0}h: T+{1}h → {2}")
    @CsvSource({"1, 0, 0", "1, 1, 1", "1, 3, 3", "1, 4, 4", "12, 11, 0", "12, 12, 1", "12, 47, 3", "720, 719, 0",
        "720, 720, 1", "720, 2880, 4"})
    void theDelayComesFromTheConfig(int delay, long h, int expected) {
        var r = RolloutEngine.start(
                Rollout.pending("2.0.0", new RolloutConfig(5, 25, delay), RolloutThresholds.DEFAULT), T0);
        assertThat(RolloutEngine.dueThrough(r, hours(h))).isEqualTo(expected);
    }

    @Test
    void theNextCohortIsDueAtItsPlaceOnTheActiveClock() {
        var r = started();
        assertThat(RolloutEngine.nextCohortDue(r, hours(1))).as("cohort1 at 24 h").isEqualTo(hours(24));
        assertThat(RolloutEngine.nextCohortDue(r, hours(30))).as("overdue: waits for the gate").isEqualTo(hours(24));
        var cohort1 = RolloutEngine.reconcile(r, everyCohortUpdated(), hours(24)).rollout();
        assertThat(RolloutEngine.nextCohortDue(cohort1, hours(25))).as("cohort2 at 48 h").isEqualTo(hours(48));

        // The clock stands while paused, and a pause's hours move the due time on by as much.
        var paused = RolloutEngine.pause(r, hours(10), "looking at logs");
        assertThat(RolloutEngine.nextCohortDue(paused, hours(20))).isNull();
        var resumed = RolloutEngine.resume(paused, hours(40));
        assertThat(RolloutEngine.nextCohortDue(resumed, hours(41))).isEqualTo(hours(54));

        // A promote restarts the clock at the promoted cohort's start: the one after it is a full delay later.
        var promoted = RolloutEngine.promote(r, hours(2));
        assertThat(RolloutEngine.nextCohortDue(promoted, hours(2))).isEqualTo(hours(26));

        assertThat(RolloutEngine.nextCohortDue(pending(), hours(5))).isNull();
        var done = RolloutEngine.reconcile(r, everyCohortUpdated(), hours(96)).rollout();
        assertThat(RolloutEngine.nextCohortDue(done, hours(97))).as("completed").isNull();
    }

    @Test
    void pauseFreezesTheClock() {
        var paused = RolloutEngine.pause(started(), hours(10), "looking at logs");
        assertThat(paused.status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(paused.reason()).isEqualTo("looking at logs");
        assertThat(paused.resumedAt()).isNull();
        assertThat(paused.elapsedBeforeResume()).isEqualTo(Duration.ofHours(10));
        assertThat(RolloutEngine.effectiveElapsed(paused, hours(200))).isEqualTo(Duration.ofHours(10));
        assertThat(RolloutEngine.dueThrough(paused, hours(200))).isZero();

        var step = RolloutEngine.reconcile(paused, everyCohortUpdated(), hours(200));
        assertThat(step.changed()).isFalse();
        assertThat(step.rollout()).isEqualTo(paused);
        assertThat(step.rollout().activatedThrough()).isZero();
    }

    @Test
    void resumeRestartsTheClockWhereItStopped() {
        var paused = RolloutEngine.pause(started(), hours(10), "looking at logs");
        var resumed = RolloutEngine.resume(paused, hours(200));
        assertThat(resumed.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(resumed.reason()).isNull();
        assertThat(resumed.resumedAt()).isEqualTo(hours(200));
        assertThat(resumed.startedAt()).isEqualTo(T0);

        // 10 h before the pause + 14 h after the resume = 24 h active
        var justBefore = at(Duration.ofHours(214).minusNanos(1));
        assertThat(RolloutEngine.effectiveElapsed(resumed, justBefore))
                .isEqualTo(Duration.ofHours(24).minusNanos(1));
        assertThat(RolloutEngine.dueThrough(resumed, justBefore)).isZero();
        assertThat(RolloutEngine.reconcile(resumed, everyCohortUpdated(), justBefore).changed()).isFalse();

        assertThat(RolloutEngine.dueThrough(resumed, hours(214))).isEqualTo(1);
        var step = RolloutEngine.reconcile(resumed, everyCohortUpdated(), hours(214));
        assertThat(step.rollout().activatedThrough()).isEqualTo(1);
        assertThat(step.events()).containsExactly("cohort1 activated");
    }

    @Test
    void effectiveElapsedExcludesEveryPausedStretch() {
        var r = started();                                 // active 0-10, paused 10-30, active 30-35, paused 35-100
        r = RolloutEngine.pause(r, hours(10), "a");
        r = RolloutEngine.resume(r, hours(30));
        assertThat(RolloutEngine.effectiveElapsed(r, hours(35))).isEqualTo(Duration.ofHours(15));
        r = RolloutEngine.pause(r, hours(35), "b");
        assertThat(RolloutEngine.effectiveElapsed(r, hours(100))).isEqualTo(Duration.ofHours(15));
        r = RolloutEngine.resume(r, hours(100));
        assertThat(RolloutEngine.effectiveElapsed(r, hours(109))).isEqualTo(Duration.ofHours(24));
        assertThat(RolloutEngine.dueThrough(r, hours(109))).isEqualTo(1);
    }

    @Test
    void aClockBeforeTheResumePointCountsAsNoExtraTime() {
        var r = RolloutEngine.resume(RolloutEngine.pause(started(), hours(5), "x"), hours(50));
        assertThat(RolloutEngine.effectiveElapsed(r, hours(40))).isEqualTo(Duration.ofHours(5));
    }

    @Test
    void promoteActivatesTheNextCohortAtOnceAndRestartsItsDelay() {
        var promoted = RolloutEngine.promote(started(), hours(1));
        assertThat(promoted.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(promoted.activatedThrough()).isEqualTo(1);
        assertThat(promoted.isCohortActive(Cohort.COHORT1)).isTrue();
        assertThat(RolloutEngine.effectiveElapsed(promoted, hours(1))).isEqualTo(Duration.ofHours(24));
        // nothing more is due at the promotion point
        var now = RolloutEngine.reconcile(promoted, everyCohortUpdated(), hours(1));
        assertThat(now.changed()).isFalse();

        // cohort2 follows a full delay after the promotion: T+1h + 24h = T+25h, not before
        var justBefore = at(Duration.ofHours(25).minusNanos(1));
        assertThat(RolloutEngine.dueThrough(promoted, justBefore)).isEqualTo(1);
        assertThat(RolloutEngine.reconcile(promoted, everyCohortUpdated(), justBefore).rollout().activatedThrough())
                .isEqualTo(1);
        assertThat(RolloutEngine.dueThrough(promoted, hours(25))).isEqualTo(2);
        var step = RolloutEngine.reconcile(promoted, everyCohortUpdated(), hours(25));
        assertThat(step.rollout().activatedThrough()).isEqualTo(2);
        assertThat(step.events()).containsExactly("cohort2 activated");
    }

    @Test
    void promoteNeverMovesTheClockBackwards() {
        // cohort1 gate closed at T+48h: paused with 48 h elapsed but only the canary active
        var paused = RolloutEngine.pause(started(), hours(48), "gate");
        var promoted = RolloutEngine.promote(paused, hours(50));
        assertThat(promoted.status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(promoted.reason()).isEqualTo("gate");
        assertThat(promoted.activatedThrough()).isEqualTo(1);
        assertThat(promoted.elapsedBeforeResume()).isEqualTo(Duration.ofHours(48));
    }

    @Test
    void promoteWalksThroughEveryCohortAndThenThrows() {
        var r = started();
        for (int k = 1; k <= 4; k++) {
            r = RolloutEngine.promote(r, hours(1));
            assertThat(r.activatedThrough()).isEqualTo(k);
        }
        var all = r;
        assertThatThrownBy(() -> RolloutEngine.promote(all, hours(2)))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("already active");
    }

    @Test
    void promoteOfAPendingOrFinishedRolloutThrows() {
        assertThatThrownBy(() -> RolloutEngine.promote(pending(), T0))
                .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("pending");
        var aborted = RolloutEngine.abort(started(), hours(1), "no");
        assertThatThrownBy(() -> RolloutEngine.promote(aborted, hours(2)))
                .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("aborted");
    }

    @Test
    void countsDoNotMatterForTheClockAlone() {
        assertThat(RolloutEngine.dueThrough(started(), hours(48))).isEqualTo(2);
        var step = RolloutEngine.reconcile(started(), Map.of(), hours(48)); // empty cohorts pass their gates
        assertThat(step.rollout().activatedThrough()).isEqualTo(2);
    }
}
