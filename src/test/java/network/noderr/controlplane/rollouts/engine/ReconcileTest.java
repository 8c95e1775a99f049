package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.T0;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.activeThrough;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.counts;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdated;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdatedExcept;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.hours;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.pending;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.started;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** reconcile is idempotent: a second step with the same inputs and instant changes nothing. */
class ReconcileTest {

    private static final CohortCounts TERRIBLE = counts(10, 10, 10, 10, 10);

    static Stream<Arguments> scenarios() {
        var canaryLagging = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 5, 0, 5, 0));
        var cohort4Lagging = everyCohortUpdatedExcept(Cohort.COHORT4, counts(10, 9, 0, 9, 0));
        var canaryUnhealthy = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 10, 5, 10, 0));
        return Stream.of(
                // name, rollout, counts, now, expected status after the first step, expected activatedThrough
                Arguments.of("nothing due", started(), everyCohortUpdated(), hours(1), RolloutStatus.ACTIVE, 0),
                Arguments.of("two cohorts activate", started(), everyCohortUpdated(), hours(48),
                        RolloutStatus.ACTIVE, 2),
                Arguments.of("gate pauses", started(), canaryLagging, hours(24), RolloutStatus.PAUSED, 0),
                Arguments.of("rollback", activeThrough(1, RolloutThresholds.DEFAULT), canaryUnhealthy, T0,
                        RolloutStatus.ROLLED_BACK, 1),
                Arguments.of("completion", started(), everyCohortUpdated(), hours(96), RolloutStatus.COMPLETED, 4),
                Arguments.of("all active, not all updated", started(), cohort4Lagging, hours(100),
                        RolloutStatus.ACTIVE, 4),
                Arguments.of("paused", RolloutEngine.pause(started(), hours(2), "p"), everyCohortUpdated(),
                        hours(300), RolloutStatus.PAUSED, 0),
                Arguments.of("pending", pending(), everyCohortUpdated(), hours(300), RolloutStatus.PENDING, -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aSecondReconcileWithTheSameInputsChangesNothing(String name, Rollout r, Map<Cohort, CohortCounts> counts,
            Instant now, RolloutStatus status, int through) {
        var first = RolloutEngine.reconcile(r, counts, now);
        assertThat(first.rollout().status()).isEqualTo(status);
        assertThat(first.rollout().activatedThrough()).isEqualTo(through);
        assertThat(first.changed()).isEqualTo(!first.rollout().equals(r));

        var second = RolloutEngine.reconcile(first.rollout(), counts, now);
        assertThat(second.changed()).isFalse();
        assertThat(second.rolledBack()).isFalse();
        assertThat(second.events()).isEmpty();
        assertThat(second.rollout()).isEqualTo(first.rollout());
    }

    @Test
    void aCohortActivatedInThisStepIsCheckedForRollbackInTheSameStep() {
        // cohort1 not yet active but 5 of its 10 nodes already run the target and are unhealthy
        var counts = everyCohortUpdatedExcept(Cohort.COHORT1, counts(10, 10, 5, 10, 0));
        var first = RolloutEngine.reconcile(started(), counts, hours(24));
        var second = RolloutEngine.reconcile(first.rollout(), counts, hours(24));
        assertThat(second.changed()).as("second step changed: %s", second.events()).isFalse();
    }

    @Test
    void unchangedReconcileReturnsTheSameRollout() {
        var r = started();
        var step = RolloutEngine.reconcile(r, everyCohortUpdated(), hours(23));
        assertThat(step.changed()).isFalse();
        assertThat(step.rollout()).isEqualTo(r);
        assertThat(step.events()).isEmpty();
    }

    @Test
    void completionNeedsEveryCohortActive() {
        var step = RolloutEngine.reconcile(started(), everyCohortUpdated(), hours(72));
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(step.rollout().activatedThrough()).isEqualTo(3);
        assertThat(step.events()).noneMatch(e -> e.startsWith("completed"));
    }

    @Test
    void completionNeedsEveryNodeUpdated() {
        var lagging = everyCohortUpdatedExcept(Cohort.COHORT4, counts(10, 9, 0, 9, 0));
        var step = RolloutEngine.reconcile(started(), lagging, hours(96));
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(step.rollout().activatedThrough()).isEqualTo(4);

        // later the last node updates: completion, once
        var done = RolloutEngine.reconcile(step.rollout(), everyCohortUpdated(), hours(130));
        assertThat(done.changed()).isTrue();
        assertThat(done.events()).containsExactly("completed: all 50 nodes run 1.2.0");
        var r = done.rollout();
        assertThat(r.status()).isEqualTo(RolloutStatus.COMPLETED);
        assertThat(r.activatedThrough()).isEqualTo(4);
        assertThat(r.resumedAt()).isNull();
        assertThat(r.reason()).isNull();
        assertThat(r.elapsedBeforeResume()).isEqualTo(Duration.ofHours(130));
        assertThat(RolloutEngine.reconcile(r, everyCohortUpdated(), hours(131)).changed()).isFalse();
    }

    @Test
    void aFinishedRolloutIsUntouched() {
        var completed = RolloutEngine.reconcile(started(), everyCohortUpdated(), hours(96)).rollout();
        var aborted = RolloutEngine.abort(started(), hours(1), "stop");
        var rolledBack = RolloutEngine.rollBack(started(), hours(1), "bad");
        var terrible = Map.of(Cohort.CANARY, TERRIBLE, Cohort.COHORT1, TERRIBLE, Cohort.COHORT4, TERRIBLE);
        for (var r : new Rollout[] {completed, aborted, rolledBack}) {
            for (var counts : java.util.List.of(everyCohortUpdated(), terrible, Map.<Cohort, CohortCounts>of())) {
                var step = RolloutEngine.reconcile(r, counts, hours(1000));
                assertThat(step.rollout()).as("%s", r.status()).isSameAs(r);
                assertThat(step.changed()).isFalse();
                assertThat(step.rolledBack()).isFalse();
                assertThat(step.events()).isEmpty();
            }
        }
    }

    @Test
    void reconcileIsDeterministic() {
        var counts = everyCohortUpdatedExcept(Cohort.COHORT2, counts(10, 3, 0, 3, 0));
        var a = RolloutEngine.reconcile(started(), counts, hours(80));
        var b = RolloutEngine.reconcile(started(), counts, hours(80));
        assertThat(a).isEqualTo(b);
        assertThat(a.rollout().status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(a.rollout().activatedThrough()).isEqualTo(2);
    }
}
