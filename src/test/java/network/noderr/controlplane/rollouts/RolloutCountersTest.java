package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;

/**
 * The rollback counter exists at 0 for every tier and kind from the start. Created only at the first rollback, its
 * series began at 1: Prometheus' {@code increase()} (the Updates dashboard's "Rollbacks" per hour) saw no rise, so the
 * first rollback after every start of the control plane did not show.
 */
class RolloutCountersTest {

    @Test
    void everyTiersRollbackCounterStartsAtZero() {
        var registry = new SimpleMeterRegistry();
        var metrics = new RolloutMetrics(registry, null);
        for (var tier : Tier.values()) {
            for (var kind : new String[] {"automatic", "manual"}) {
                var counter = registry.find("noderr.rollbacks").tags("tier", tier.name(), "kind", kind).counter();
                assertThat(counter).as("%s %s", tier, kind).isNotNull();
                assertThat(counter.count()).isZero();
            }
        }
        metrics.rollback(Tier.ORACLE, "automatic");
        assertThat(registry.find("noderr.rollbacks").tags("tier", "ORACLE", "kind", "automatic").counter().count())
                .isEqualTo(1.0);
    }
}
