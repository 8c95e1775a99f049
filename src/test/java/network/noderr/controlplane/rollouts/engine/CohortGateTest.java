package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.allUpdated;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.counts;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdated;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.everyCohortUpdatedExcept;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.hours;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.started;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cohort k+1 activates only when cohort k is healthy: ≥ 90 % updated and within its rollback limits. */
class CohortGateTest {

    @ParameterizedTest(name = "canary {1} of {0} updated → open: {2}")
    @CsvSource({
        "10,  9,  true",
        "10,  8,  false",
        "100, 90, true",
        "100, 89, false",
        "30,  27, true",
        "30,  26, false",
        "1,   0,  false",
        "1,   1,  true",
        "0,   0,  true",
    })
    void gateNeedsNinetyPercentOfThePreviousCohortUpdated(long nodes, long updated, boolean open) {
        var step = RolloutEngine.reconcile(started(),
                everyCohortUpdatedExcept(Cohort.CANARY, counts(nodes, updated, 0, updated, 0)), hours(24));
        if (open) {
            assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
            assertThat(step.rollout().activatedThrough()).isEqualTo(1);
            assertThat(step.events()).containsExactly("cohort1 activated");
        } else {
            assertThat(step.rollout().status()).isEqualTo(RolloutStatus.PAUSED);
            assertThat(step.rollout().activatedThrough()).isZero();
            assertThat(step.rollout().reason())
                    .isEqualTo("paused before cohort1: canary not healthy yet: " + updated + " of " + nodes
                            + " nodes updated (needs 90%)");
            assertThat(step.events()).containsExactly(step.rollout().reason());
        }
        assertThat(step.changed()).isTrue();
        assertThat(step.rolledBack()).isFalse();
    }

    @Test
    void aClosedGateLaterInTheTimelineStopsThereAndNamesThatCohort() {
        var step = RolloutEngine.reconcile(started(),
                everyCohortUpdatedExcept(Cohort.COHORT2, counts(40, 20, 0, 20, 0)), hours(96));
        var r = step.rollout();
        assertThat(r.status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(r.activatedThrough()).isEqualTo(2);
        assertThat(r.reason()).isEqualTo("paused before cohort3: cohort2 not healthy yet: 20 of 40 nodes updated "
                + "(needs 90%)");
        assertThat(step.events()).containsExactly("cohort1 activated", "cohort2 activated", r.reason());
        // the clock stopped at the moment of the pause
        assertThat(r.elapsedBeforeResume()).isEqualTo(Duration.ofHours(96));
    }

    @Test
    void aCohortWithoutNodesPasses() {
        var counts = everyCohortUpdated();
        counts.put(Cohort.CANARY, CohortCounts.EMPTY);
        counts.remove(Cohort.COHORT1); // missing counts mean an empty cohort
        var step = RolloutEngine.reconcile(started(), counts, hours(48));
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(step.rollout().activatedThrough()).isEqualTo(2);
    }

    @Test
    void aGateIsClosedByTheRollbackLimitsToo() {
        // gateReason: 10 of 10 updated but 2 unhealthy (20% > 10%) → not ready
        var reason = RolloutEngine.gateReason(Cohort.COHORT1, counts(10, 10, 2, 10, 0), RolloutThresholds.DEFAULT);
        assertThat(reason).hasValueSatisfying(r -> assertThat(r).startsWith("cohort1: 2 of 10 updated nodes unhealthy"));
        assertThat(RolloutEngine.gateReason(Cohort.COHORT1, counts(10, 9, 0, 9, 0), RolloutThresholds.DEFAULT))
                .isEmpty();
    }

    @Test
    void aCustomGateRatioIsHonoured() {
        var half = new RolloutThresholds(0.10, 0.05, 0.5);
        var r = RolloutEngine.start(EngineFixtures.pending(half), EngineFixtures.T0);
        var open = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 5, 0, 5, 0)),
                hours(24));
        assertThat(open.rollout().activatedThrough()).isEqualTo(1);
        var closed = RolloutEngine.reconcile(r, everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 4, 0, 4, 0)),
                hours(24));
        assertThat(closed.rollout().status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(closed.rollout().reason()).endsWith("4 of 10 nodes updated (needs 50%)");
    }

    @Test
    void afterTheCountsRecoverAResumedRolloutContinues() {
        var lagging = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 5, 0, 5, 0));
        var paused = RolloutEngine.reconcile(started(), lagging, hours(24)).rollout();
        assertThat(paused.status()).isEqualTo(RolloutStatus.PAUSED);

        // still paused while nobody resumes it, whatever the counts
        var untouched = RolloutEngine.reconcile(paused, everyCohortUpdated(), hours(30));
        assertThat(untouched.changed()).isFalse();

        // resumed without recovery: paused again at once
        var resumedTooEarly = RolloutEngine.resume(paused, hours(30));
        var again = RolloutEngine.reconcile(resumedTooEarly, lagging, hours(30));
        assertThat(again.rollout().status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(again.rollout().activatedThrough()).isZero();

        // counts recovered: resuming lets it continue; the 6 h paused do not count
        var resumed = RolloutEngine.resume(again.rollout(), hours(36));
        var step = RolloutEngine.reconcile(resumed, everyCohortUpdated(), hours(36));
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(step.rollout().activatedThrough()).isEqualTo(1);
        assertThat(step.events()).containsExactly("cohort1 activated");
        // cohort2 at 48 active hours: 24 h before the pause + 24 h after the resume at T+36h
        assertThat(RolloutEngine.dueThrough(step.rollout(), hours(59))).isEqualTo(1);
        assertThat(RolloutEngine.dueThrough(step.rollout(), hours(60))).isEqualTo(2);
    }

    @Test
    void promoteSkipsAClosedGate() {
        var open = RolloutEngine.reconcile(started(), everyCohortUpdatedExcept(Cohort.CANARY, allUpdated(0)),
                hours(24)).rollout(); // empty canary: open
        assertThat(open.status()).isEqualTo(RolloutStatus.ACTIVE);

        var closed = RolloutEngine.reconcile(started(),
                everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 1, 0, 1, 0)), hours(24)).rollout();
        assertThat(closed.status()).isEqualTo(RolloutStatus.PAUSED);
        var promoted = RolloutEngine.promote(RolloutEngine.resume(closed, hours(25)), hours(25));
        assertThat(promoted.status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(promoted.activatedThrough()).isEqualTo(1);
    }

    @Test
    void afterAResumeAClosedGateHoldsTheNextCohortWithoutPausingUntilTheGraceEnds() {
        var closed = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 5, 0, 5, 0));
        var paused = RolloutEngine.reconcile(started(), closed, hours(24)).rollout();
        assertThat(paused.status()).isEqualTo(RolloutStatus.PAUSED);
        var resumedAt = hours(30);
        var grace = Duration.ofMinutes(15);
        var resumed = RolloutEngine.resume(paused, resumedAt, grace);
        assertThat(resumed.gateHoldUntil()).isEqualTo(resumedAt.plus(grace));

        // Within the grace: still active (so the canary's stragglers are told to update), cohort1 waits.
        var held = RolloutEngine.reconcile(resumed, closed, resumedAt.plus(grace).minusSeconds(1));
        assertThat(held.changed()).isFalse();
        assertThat(held.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(held.rollout().activatedThrough()).isZero();
        assertThat(UpdateDecision.decide(Cohort.CANARY, "1.1.0", held.rollout(), null).shouldUpdate()).isTrue();

        // The grace is over and the gate is still closed: paused again, with the reason.
        var again = RolloutEngine.reconcile(resumed, closed, resumedAt.plus(grace));
        assertThat(again.rollout().status()).isEqualTo(RolloutStatus.PAUSED);
        assertThat(again.rollout().reason()).isEqualTo("paused before cohort1: canary not healthy yet: 5 of 10 nodes "
                + "updated (needs 90%)");
        assertThat(again.rollout().gateHoldUntil()).isNull();
    }

    @Test
    void stragglersThatUpdateDuringTheGraceOpenTheGateAndEndTheHold() {
        var paused = RolloutEngine.reconcile(started(),
                everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 5, 0, 5, 0)), hours(24)).rollout();
        var resumed = RolloutEngine.resume(paused, hours(30), Duration.ofMinutes(15));
        var step = RolloutEngine.reconcile(resumed, everyCohortUpdated(), hours(30).plusSeconds(60));
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.ACTIVE);
        assertThat(step.rollout().activatedThrough()).isEqualTo(1);
        assertThat(step.rollout().gateHoldUntil()).isNull();
        assertThat(step.events()).containsExactly("cohort1 activated");
    }

    @Test
    void aResumeWithoutGraceLetsTheClosedGatePauseAtOnce() {
        var closed = everyCohortUpdatedExcept(Cohort.CANARY, counts(10, 5, 0, 5, 0));
        var paused = RolloutEngine.reconcile(started(), closed, hours(24)).rollout();
        var resumed = RolloutEngine.resume(paused, hours(30));
        assertThat(resumed.gateHoldUntil()).isNull();
        assertThat(RolloutEngine.reconcile(resumed, closed, hours(30)).rollout().status())
                .isEqualTo(RolloutStatus.PAUSED);
    }
}
