package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import network.noderr.agent.TestBeacon;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.UpdateOutcome;
import org.junit.jupiter.api.Test;

/**
 * The VersionBeacon, not the control plane, decides which release a node may run. The node reads a chain of its own
 * (its pinned beacon-rpc-url and beacon-address: another real anvil with the same releases), which disagrees with
 * the control plane's: a release the node's chain withdrew is refused and reported though the control plane asks for
 * it with its true digest; an older release the control plane asks for (its emergency rollback) waits until the
 * node's chain records the rollback too, and then runs.
 */
class ChainAgreementTest extends OwnControlPlaneNode {

    @Test
    void aNodeRunsOnlyTheTiersCurrentReleaseOnItsChain() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var nodeId = registerNode("Chain Agreement Operator");
        controlPlane.publishAndActivateAllCohorts("ORACLE", v1);
        controlPlane.abortOpenRollouts("ORACLE");
        controlPlane.publishAndActivateAllCohorts("ORACLE", v2); // the control plane's ORACLE: 2.0.0

        // The node's chain withdrew 2.0.0 (back on 1.0.0): asked for 2.0.0, the node refuses and stays on 1.0.0.
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            chain.emergencyRollback(1, 1);
            startNode(v1);
            var started = startedAt();
            try (var agent = new Agent(config(nodeId, chain, "withdrawn", "PT0S"), Clock.systemUTC(), false)) {
                assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
                var failed = agent.updater().failed().orElseThrow();
                assertThat(failed.versionString()).isEqualTo("2.0.0");
                assertThat(failed.outcome()).isEqualTo(UpdateOutcome.FAILED);
                assertThat(failed.reason()).contains("withdrawn");
                assertThat(agent.runningVersion()).contains("1.0.0");
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
            }
            // noderr-agent check names the disagreement.
            var checked = AgentEndToEndTest.command("check", "", "--config",
                    dir.resolve("agent-withdrawn.properties").toString());
            assertThat(checked.exit()).as(checked.toString()).isEqualTo(1);
            assertThat(checked.out()).containsPattern("\\[FAIL\\] chain +.*ORACLE 2\\.0\\.0 is withdrawn")
                    .contains("[ ok ] control plane");
        }
        containers.remove(NODE);

        // The control plane rolls ORACLE back to 1.0.0 (on its chain); the node's chain still says 2.0.0.
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            startNode(v2);
            var started = startedAt();
            controlPlane.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                    Map.of("toVersion", "1.0.0", "reason", "chain agreement"), 200);
            try (var agent = new Agent(config(nodeId, chain, "behind", "PT1S"), Clock.systemUTC(), false)) {
                assertThat(agent.daemon().check()).as("not started while the node's chain disagrees")
                        .isEqualTo(Daemon.CheckResult.WAITING_FOR_CHAIN);
                assertThat(agent.runningVersion()).contains("2.0.0");
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
                assertThat(agent.updater().failed()).as("nothing remembered as failed").isEmpty();
            }
            // A check waits for the chain to record the rollback (an automatic rollback is sent to the chain after
            // the control plane applies it). The operator takes the lock meanwhile: the update does not start.
            var config = config(nodeId, chain, "behind", "PT60S");
            try (var agent = new Agent(config, Clock.systemUTC(), false)) {
                var checks = Executors.newSingleThreadExecutor();
                try {
                    var check = checks.submit(() -> agent.daemon().check());
                    Thread.sleep(2_500);
                    assertThat(check).as("waiting for the chain").isNotDone();
                    Files.writeString(config.lockFile(), "held by the operator\n");
                    chain.emergencyRollback(1, 1);
                    assertThat(check.get()).isEqualTo(Daemon.CheckResult.HELD_BY_LOCK);
                } finally {
                    checks.shutdownNow();
                }
                assertThat(agent.runningVersion()).contains("2.0.0");
                assertThat(startedAt()).isEqualTo(started);
            }
            Files.delete(config.lockFile());
        }

        // Again with a chain that records the rollback while the check waits, and no lock: the update runs.
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            try (var agent = new Agent(config(nodeId, chain, "later", "PT60S"), Clock.systemUTC(), false)) {
                var checks = Executors.newSingleThreadExecutor();
                try {
                    var check = checks.submit(() -> agent.daemon().check());
                    Thread.sleep(2_500);
                    assertThat(check).as("waiting for the chain").isNotDone();
                    chain.emergencyRollback(1, 1);
                    assertThat(check.get()).isEqualTo(Daemon.CheckResult.UPDATED);
                } finally {
                    checks.shutdownNow();
                }
                assertThat(agent.runningVersion()).contains("1.0.0");
            }
        }
    }

    /** The node's configuration, reading {@code chain} directly, with its own state directory. */
    private static AgentConfig config(String nodeId, TestBeacon chain, String state, String chainWait)
            throws Exception {
        var file = writeConfig(nodeId);
        var lines = Files.readString(file)
                .replaceAll("(?m)^beacon-rpc-url=.*$", "beacon-rpc-url=" + chain.rpcUrl())
                .replaceAll("(?m)^beacon-address=.*$", "beacon-address=" + chain.address())
                .replaceAll("(?m)^state-dir=.*$", "state-dir=" + dir.resolve("state-" + state))
                + "chain-wait=" + chainWait + "\n";
        Path own = dir.resolve("agent-" + state + ".properties");
        Files.writeString(own, lines);
        return AgentConfig.load(own, Map.of());
    }
}
