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
 * update reports / attempts > 5 % roll the tier back.
 */
class AutomaticRollbackTest {

    private static final RolloutThresholds DEFAULTS = RolloutThresholds.DEFAULT;

    @ParameterizedTest(name = "{1} unhealthy of {0} updated → rollback: {2}")
    @CsvSource({
        "100, 0,  false",
        "100, 10, false",
        "100, 11, true",
        "10,  1,  false",
        "10,  2,  true",
        "20,  2,  false",
        "20,  3,  true",
        "1,   1,  true",
        "0,   0,  false",
    })
    void unhealthyShareOverTenPercentRollsBack(long updated, long unhealthy, boolean rollback) {
        var r = activeThrough(1, DEFAULTS);
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.COHORT1, counts(updated, updated, unhealthy, updated, 0)), T0);
        assertThat(step.rolledBack()).isEqualTo(rollback);
        if (rollback) {
            var expected = String.format(Locale.ROOT,
                    "automatic rollback: cohort1: %d of %d updated nodes unhealthy (%.1f%% > 10.0%%)", unhealthy,
                    updated, 100.0 * unhealthy / updated);
            assertRolledBack(step, r, expected);
        } else {
            assertThat(step.changed()).isFalse();
            assertThat(step.rollout()).isEqualTo(r);
        }
    }

    @ParameterizedTest(name = "{1} failures of {0} attempts → rollback: {2}")
    @CsvSource({
        "100, 0, false",
        "100, 5, false",
        "100, 6, true",
        "20,  1, false",
        "20,  2, true",
        "1,   1, true",
        "0,   0, false",
    })
    void errorRateOverFivePercentRollsBack(long attempts, long failures, boolean rollback) {
        var r = activeThrough(1, DEFAULTS);
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.CANARY, counts(100, 100, 0, attempts, failures)), T0);
        assertThat(step.rolledBack()).isEqualTo(rollback);
        if (rollback) {
            var expected = String.format(Locale.ROOT,
                    "automatic rollback: canary: %d of %d updates failed or rolled back (%.1f%% > 5.0%%)", failures,
                    attempts, 100.0 * failures / attempts);
            assertRolledBack(step, r, expected);
        } else {
            assertThat(step.changed()).isFalse();
        }
    }

    @ParameterizedTest(name = "limits {0}/{1}: {3} unhealthy, {4} failed of 100 → {5}")
    @CsvSource({
        // maxUnhealthy, maxError, (gate), unhealthy, failures, rollback
        "0.20, 0.50, 0.9, 20, 50, false",
        "0.20, 0.50, 0.9, 21, 0,  true",
        "0.20, 0.50, 0.9, 0,  51, true",
        "0.00, 0.00, 0.9, 0,  0,  false",
        "0.00, 0.00, 0.9, 1,  0,  true",
        "0.00, 0.00, 0.9, 0,  1,  true",
        "1.00, 1.00, 0.9, 100, 100, false",
    })
    void customThresholdsAreHonoured(double maxUnhealthy, double maxError, double gate, long unhealthy, long failures,
            boolean rollback) {
        var thresholds = new RolloutThresholds(maxUnhealthy, maxError, gate);
        var r = activeThrough(2, thresholds);
        var step = RolloutEngine.reconcile(r,
                everyCohortUpdatedExcept(Cohort.COHORT2, counts(100, 100, unhealthy, 100, failures)), T0);
        assertThat(step.rolledBack()).isEqualTo(rollback);
        assertThat(step.rollout().status()).isEqualTo(rollback ? RolloutStatus.ROLLED_BACK : RolloutStatus.ACTIVE);
        if (rollback) {
            assertThat(step.rollout().reason()).startsWith("automatic rollback: cohort2: ");
        }
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

    private static void assertRolledBack(RolloutEngine.Step step, Rollout before, String expectedReason) {
        assertThat(step.rolledBack()).isTrue();
        assertThat(step.changed()).isTrue();
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(step.rollout().reason()).isEqualTo(expectedReason);
        assertThat(step.events()).containsExactly(expectedReason);
        assertThat(step.rollout().activatedThrough()).isEqualTo(before.activatedThrough());
        assertThat(step.rollout().resumedAt()).isNull();
        assertThat(step.rollout().targetVersion()).isEqualTo(before.targetVersion());
    }
}
