package network.noderr.controlplane.rollouts.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/** Shared fixed clock and counts for the engine tests. */
final class EngineFixtures {

    /** The rollout's start; every test clock is an offset from it. */
    static final Instant T0 = Instant.parse("2026-03-02T00:00:00Z");

    static final String TARGET = "1.2.0";

    private EngineFixtures() {}

    static Instant at(Duration offset) {
        return T0.plus(offset);
    }

    static Instant hours(long h) {
        return T0.plus(Duration.ofHours(h));
    }

    static Rollout pending() {
        return Rollout.pending(TARGET, RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT);
    }

    static Rollout pending(RolloutThresholds thresholds) {
        return Rollout.pending(TARGET, RolloutConfig.DEFAULT, thresholds);
    }

    /** Started at {@link #T0}: active, canary only. */
    static Rollout started() {
        return RolloutEngine.start(pending(), T0);
    }

    /** Started at T0 and advanced (every gate open) until cohort {@code through} is active. */
    static Rollout activeThrough(int through, RolloutThresholds thresholds) {
        var r = RolloutEngine.start(pending(thresholds), T0);
        for (int k = 0; k < through; k++) {
            r = RolloutEngine.promote(r, T0);
        }
        return r;
    }

    static CohortCounts counts(long nodes, long updated, long unhealthy, long attempts, long failures) {
        return new CohortCounts(nodes, updated, updated - unhealthy, unhealthy, attempts, failures);
    }

    /** A healthy cohort of {@code nodes} nodes that all run the target. */
    static CohortCounts allUpdated(long nodes) {
        return counts(nodes, nodes, 0, nodes, 0);
    }

    /** Every cohort: 10 nodes, all on the target, healthy, no failed update. Opens every gate. */
    static Map<Cohort, CohortCounts> everyCohortUpdated() {
        var m = new EnumMap<Cohort, CohortCounts>(Cohort.class);
        for (var c : Cohort.values()) {
            m.put(c, allUpdated(10));
        }
        return m;
    }

    /** Every cohort fully updated except one, which gets the given counts. */
    static Map<Cohort, CohortCounts> everyCohortUpdatedExcept(Cohort cohort, CohortCounts counts) {
        var m = everyCohortUpdated();
        m.put(cohort, counts);
        return m;
    }
}
