package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.TARGET;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.T0;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.counts;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdated;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdatedExcept;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.hours;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.pending;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.started;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import network.noderr.controlplane.rollouts.engine.RolloutEngine.Phase;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The phase: aborted / rolled back > paused > pending > complete > the highest active cohort. */
class PhaseTest {

    private static final Map<Cohort, CohortCounts> ALL_UPDATED = everyCohortUpdated();

    /** A stored rollout in any status with every cohort active, so only the status decides. */
    private static Rollout allActive(RolloutStatus status, @Nullable String reason) {
        return new Rollout(status, TARGET, RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, T0,
                Duration.ofHours(96), status == RolloutStatus.ACTIVE ? T0 : null, 4, reason);
    }

    @ParameterizedTest(name = "{0} with every cohort active and every node updated → {1}")
    @CsvSource({
        "ABORTED,     ABORTED,     'aborted: wrong build'",
        "ROLLED_BACK, ROLLED_BACK, 'wrong build'",
        "PAUSED,      PAUSED,      'wrong build'",
        "COMPLETED,   COMPLETE,    'all nodes run 1.2.0'",
        "ACTIVE,      COMPLETE,    'all nodes run 1.2.0'",
    })
    void statusOutranksTheCounts(RolloutStatus status, Phase phase, String message) {
        var view = RolloutEngine.phase(allActive(status, "wrong build"), ALL_UPDATED);
        assertThat(view.phase()).isEqualTo(phase);
        assertThat(view.message()).isEqualTo(message);
    }

    @Test
    void pendingOutranksComplete() {
        var view = RolloutEngine.phase(pending(), ALL_UPDATED);
        assertThat(view.phase()).isEqualTo(Phase.PENDING);
        assertThat(view.message()).isEqualTo("waiting to start");
        assertThat(view.phase().wireName()).isEqualTo("pending");
    }

    @Test
    void messagesWithoutAReason() {
        assertThat(RolloutEngine.phase(allActive(RolloutStatus.PAUSED, null), ALL_UPDATED).message())
                .isEqualTo("paused");
        assertThat(RolloutEngine.phase(allActive(RolloutStatus.ROLLED_BACK, null), ALL_UPDATED).message())
                .isEqualTo("rolled back");
    }

    @ParameterizedTest(name = "active through {0} → {1}")
    @CsvSource({"0, CANARY, canary", "1, COHORT1, cohort1", "2, COHORT2, cohort2", "3, COHORT3, cohort3",
        "4, COHORT4, cohort4"})
    void anActiveRolloutIsInItsHighestActiveCohort(int through, Phase phase, String wire) {
        var r = started();
        for (int k = 0; k < through; k++) {
            r = RolloutEngine.promote(r, hours(1));
        }
        // 43 of 50 updated: never complete
        var view = RolloutEngine.phase(r, everyCohortUpdatedExcept(Cohort.COHORT4, counts(10, 3, 0, 3, 0)));
        assertThat(view.phase()).isEqualTo(phase);
        assertThat(view.phase().wireName()).isEqualTo(wire);
        assertThat(view.message()).isEqualTo(wire + " active: 43 of 50 nodes updated");
    }

    @Test
    void anActiveRolloutWhoseNodesAllUpdatedButACohortIsOverALimitIsNotComplete() {
        // reconcile does not complete it (a resume's grace keeps it from pausing): "complete" here read as done,
        // while a publish for the tier was still refused because it was rolling out.
        var view = RolloutEngine.phase(allActive(RolloutStatus.ACTIVE, null),
                everyCohortUpdatedExcept(Cohort.COHORT4, counts(10, 10, 2, 10, 0)));
        assertThat(view.phase()).isEqualTo(Phase.COHORT4);
        assertThat(view.message()).isEqualTo("cohort4 active: all 50 nodes run 1.2.0, but it does not complete while"
                + " cohort4: 2 of 10 updated nodes unhealthy (20.0% > 10.0%)");
    }

    @Test
    void anActiveRolloutWithoutNodesIsNotComplete() {
        var view = RolloutEngine.phase(allActive(RolloutStatus.ACTIVE, null), Map.of());
        assertThat(view.phase()).isEqualTo(Phase.COHORT4);
        assertThat(view.message()).isEqualTo("cohort4 active: 0 of 0 nodes updated");
    }

    @Test
    void thePhaseFollowsReconcile() {
        var counts = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 2, 0, 2, 0));
        var paused = RolloutEngine.reconcile(started(), counts, hours(24)).rollout();
        var view = RolloutEngine.phase(paused, counts);
        assertThat(view.phase()).isEqualTo(Phase.PAUSED);
        assertThat(view.message())
                .isEqualTo("paused before cohort1: canary not healthy yet: 2 of 10 nodes updated (needs 90%)");

        var completed = RolloutEngine.reconcile(started(), ALL_UPDATED, hours(96)).rollout();
        assertThat(RolloutEngine.phase(completed, ALL_UPDATED).phase()).isEqualTo(Phase.COMPLETE);
        // a completed rollout stays complete whatever the counts say later (e.g. a new node joined)
        assertThat(RolloutEngine.phase(completed, Map.of(Cohort.CANARY, counts(1, 0, 0, 0, 0))).phase())
                .isEqualTo(Phase.COMPLETE);
    }

    @Test
    void anActiveRolloutWhoseGateTheResumesGraceHoldsSaysSoUntilTheGraceEnds() {
        var counts = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 2, 0, 2, 0));
        var paused = RolloutEngine.reconcile(started(), counts, hours(24)).rollout();
        var resumed = RolloutEngine.resume(paused, hours(25), java.time.Duration.ofMinutes(15));

        var held = RolloutEngine.phase(resumed, counts, hours(25).plusSeconds(60));
        assertThat(held.phase()).isEqualTo(Phase.CANARY);
        assertThat(held.message()).startsWith("canary active: ")
                .contains("; cohort1 held back until " + hours(25).plus(java.time.Duration.ofMinutes(15)))
                .endsWith("canary not healthy yet: 2 of 10 nodes updated (needs 90%)");
        assertThat(RolloutEngine.phase(resumed, counts, hours(26)).message()).as("after the grace")
                .doesNotContain("held back");
        assertThat(RolloutEngine.phase(resumed, ALL_UPDATED, hours(25).plusSeconds(60)).message())
                .as("an open gate holds nothing back").doesNotContain("held back");
    }

    @Test
    void aGraceEndingBeforeTheNextCohortIsDueIsNotMentioned() {
        var counts = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 2, 0, 2, 0));
        // Paused by hand an hour in and resumed an hour later: cohort1 is due 23 hours on, long after the grace.
        var paused = RolloutEngine.pause(started(), hours(1), "looking at the canary");
        var resumed = RolloutEngine.resume(paused, hours(2), java.time.Duration.ofMinutes(15));
        var view = RolloutEngine.phase(resumed, counts, hours(2).plusSeconds(60));
        assertThat(view.phase()).isEqualTo(Phase.CANARY);
        assertThat(view.message()).doesNotContain("held back");
        assertThat(RolloutEngine.nextCohortDue(resumed, hours(2).plusSeconds(60))).isEqualTo(hours(25));
    }
}
