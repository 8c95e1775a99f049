package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import network.noderr.controlplane.Application;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Two control-plane replicas (two application contexts) on one PostgreSQL: the scheduler lock admits one of them,
 * and even reconciles forced to run at the same moment on both apply each transition exactly once.
 */
@IntegrationTest
class TwoReplicasTest {

    @Autowired
    Rollouts rollouts;

    @Autowired
    LockProvider lockProvider;

    @Autowired
    JdbcClient jdbc;

    @AfterEach
    void finish() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    @Test
    void twoReplicasNeverBothApplyATransition() throws Exception {
        // Real replicas are separate JVMs. In one JVM the second context would replace the process-wide security
        // context strategy (Vaadin installs its own), so the first context's is put back afterwards.
        var strategyA = SecurityContextHolder.getContextHolderStrategy();
        try {
            runBothReplicas();
        } finally {
            SecurityContextHolder.setContextHolderStrategy(strategyA);
        }
    }

    private void runBothReplicas() throws Exception {
        // Command-line arguments, not the builder's default properties, which application.yml outranks: with those,
        // replica B listened on 8080 (and failed where that port was taken) and reconciled every few seconds.
        try (var replicaB = new SpringApplicationBuilder(Application.class)
                .profiles("test")
                .run("--server.port=0", "--noderr.rollouts.reconcile-interval=PT1H", "--spring.main.banner-mode=off")) {
            var rolloutsB = replicaB.getBean(Rollouts.class);
            var lockB = replicaB.getBean(LockProvider.class);

            // The scheduler lock: while replica A holds it, replica B cannot take it.
            var config = new LockConfiguration(Instant.now(), "two-replicas-probe", Duration.ofMinutes(1),
                    Duration.ZERO);
            var held = lockProvider.lock(config);
            assertThat(held).isPresent();
            assertThat(lockB.lock(config)).isEmpty();
            held.get().unlock();
            assertThat(lockB.lock(config)).hasValueSatisfying(lock -> lock.unlock());

            // Even without the lock, concurrent reconciles on both replicas apply each transition once.
            var version = "5." + (System.nanoTime() % 100000) + ".0";
            var id = rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                    "sha256:" + "9".repeat(64), "0x" + "8".repeat(64), null), RolloutConfig.DEFAULT,
                    new RolloutThresholds(0.10, 0.05, 0.0), "test").id();
            for (int round = 1; round <= 4; round++) {
                jdbc.sql("UPDATE deployments SET resumed_at = resumed_at - interval '24 hours' WHERE id = :id")
                        .param("id", id)
                        .update();
                var start = new CountDownLatch(1);
                int changes = 0;
                try (var pool = Executors.newFixedThreadPool(2)) {
                    var a = pool.submit(() -> {
                        start.await();
                        return rollouts.reconcileAll();
                    });
                    var b = pool.submit(() -> {
                        start.await();
                        return rolloutsB.reconcileAll();
                    });
                    start.countDown();
                    changes = a.get() + b.get();
                }
                assertThat(changes).as("round %d: one replica applied the step", round).isEqualTo(1);
                var activations = jdbc.sql("""
                                SELECT count(*) FROM deployment_events
                                WHERE deployment_id = :id AND event = :event""")
                        .param("id", id)
                        .param("event", "cohort" + round + " activated")
                        .query(Long.class)
                        .single();
                assertThat(activations).as("cohort%d activated once", round).isEqualTo(1);
            }
            assertThat(rollouts.get(id).cohorts()).allSatisfy(c -> assertThat(c.active()).isTrue());
        }
    }
}
