package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.T0;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * shouldUpdate ⇔ the node's cohort is active ∧ its version ≠ the target ∧ the rollout is active (or completed);
 * an emergency rollback target overrides everything.
 */
class UpdateDecisionTest {

    private static Rollout rollout(RolloutStatus status, int activatedThrough) {
        return new Rollout(status, TARGET, RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT,
                status == RolloutStatus.PENDING ? null : T0, Duration.ofHours(30),
                status == RolloutStatus.ACTIVE ? T0 : null, activatedThrough, null);
    }

    @ParameterizedTest(name = "{0} through {1}, node in {2} on {3} → {4}")
    @CsvSource(nullValues = "null", value = {
        // status, activatedThrough, node cohort, node version, shouldUpdate
        "ACTIVE,      1,  CANARY,  1.1.0, true",
        "ACTIVE,      1,  COHORT1, 1.1.0, true",
        "ACTIVE,      1,  COHORT2, 1.1.0, false",   // cohort not active yet
        "ACTIVE,      1,  COHORT1, 1.2.0, false",   // already on the target
        "ACTIVE,      1,  COHORT1, null,  true",    // version unknown: not the target
        "ACTIVE,      0,  CANARY,  1.1.0, true",
        "ACTIVE,      0,  COHORT4, 1.1.0, false",
        "ACTIVE,      4,  COHORT4, 1.1.0, true",
        "COMPLETED,   4,  COHORT4, 1.1.0, true",    // e.g. a node that joined after completion
        "COMPLETED,   4,  COHORT4, 1.2.0, false",
        "PAUSED,      4,  CANARY,  1.1.0, false",
        "PAUSED,      1,  COHORT1, 1.1.0, false",
        "ROLLED_BACK, 4,  CANARY,  1.1.0, false",
        "PENDING,     -1, CANARY,  1.1.0, false",
    })
    void shouldUpdateTable(RolloutStatus status, int through, Cohort cohort, String version, boolean expected) {
        var d = UpdateDecision.decide(cohort, version, rollout(status, through), null);
        assertThat(d.shouldUpdate()).isEqualTo(expected);
        assertThat(d.targetVersion()).isEqualTo(TARGET);
        assertThat(d.priority()).isEqualTo(UpdatePriority.NORMAL);
    }

    @ParameterizedTest(name = "aborted, node in {0}")
    @EnumSource(Cohort.class)
    void anAbortedRolloutLeavesEveryNodeOnWhatItRuns(Cohort cohort) {
        var aborted = rollout(RolloutStatus.ABORTED, 0);
        assertThat(UpdateDecision.decide(cohort, "1.1.0", aborted, null))
                .isEqualTo(new UpdateDecision("1.1.0", false, UpdatePriority.NORMAL));
        assertThat(UpdateDecision.decide(cohort, TARGET, aborted, null))
                .as("updated before the abort: keeps running it")
                .isEqualTo(new UpdateDecision(TARGET, false, UpdatePriority.NORMAL));
    }

    @ParameterizedTest(name = "emergency, node in {0}")
    @EnumSource(Cohort.class)
    void anEmergencyTargetMovesEveryNodeNotOnItRegardlessOfCohort(Cohort cohort) {
        for (var r : new Rollout[] {null, rollout(RolloutStatus.ACTIVE, 0), rollout(RolloutStatus.PAUSED, 0),
                rollout(RolloutStatus.ROLLED_BACK, 0), rollout(RolloutStatus.ABORTED, 2)}) {
            var moving = UpdateDecision.decide(cohort, TARGET, r, "1.1.0");
            assertThat(moving.shouldUpdate()).isTrue();
            assertThat(moving.priority()).isEqualTo(UpdatePriority.EMERGENCY);
            assertThat(moving.priority().wireName()).isEqualTo("emergency");
            assertThat(moving.targetVersion()).isEqualTo("1.1.0");

            var unknownVersion = UpdateDecision.decide(cohort, null, r, "1.1.0");
            assertThat(unknownVersion.shouldUpdate()).isTrue();

            var alreadyThere = UpdateDecision.decide(cohort, "1.1.0", r, "1.1.0");
            assertThat(alreadyThere.shouldUpdate()).isFalse();
            assertThat(alreadyThere.targetVersion()).isEqualTo("1.1.0");
            assertThat(alreadyThere.priority()).isEqualTo(UpdatePriority.EMERGENCY);
        }
    }

    @Test
    void noRolloutMeansNoTarget() {
        var d = UpdateDecision.decide(Cohort.CANARY, "1.0.0", null, null);
        assertThat(d).isEqualTo(new UpdateDecision(null, false, UpdatePriority.NORMAL));
    }

    @Test
    void theDecisionFollowsTheEngine() {
        var r = RolloutEngine.start(EngineFixtures.pending(), T0);
        assertThat(UpdateDecision.decide(Cohort.COHORT1, "1.1.0", r, null).shouldUpdate()).isFalse();
        r = RolloutEngine.promote(r, T0.plusSeconds(60));
        assertThat(UpdateDecision.decide(Cohort.COHORT1, "1.1.0", r, null).shouldUpdate()).isTrue();
        r = RolloutEngine.pause(r, T0.plusSeconds(120), "hold");
        assertThat(UpdateDecision.decide(Cohort.COHORT1, "1.1.0", r, null).shouldUpdate()).isFalse();
        r = RolloutEngine.resume(r, T0.plusSeconds(180));
        assertThat(UpdateDecision.decide(Cohort.COHORT1, "1.1.0", r, null).shouldUpdate()).isTrue();
        r = RolloutEngine.abort(r, T0.plusSeconds(240), "stop");
        assertThat(UpdateDecision.decide(Cohort.COHORT1, "1.1.0", r, null).shouldUpdate()).isFalse();
    }
}
