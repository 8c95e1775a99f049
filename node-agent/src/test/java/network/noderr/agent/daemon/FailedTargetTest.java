package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Clock;
import java.util.Map;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.StateStore;
import network.noderr.agent.update.UpdateLockAccess;
import network.noderr.agent.update.UpdateOutcome;
import network.noderr.agent.update.UpdateRecord;
import network.noderr.agent.update.UpdateState;
import network.noderr.agent.update.UpdateTarget;
import org.junit.jupiter.api.Test;

/**
 * A version that fails on this node is not run again and again. Against a control plane of its own (its packaged jar,
 * embedded PostgreSQL and chain, so that the tier's releases start from nothing), the real Docker engine and registry:
 * ORACLE 3.0.0 (the image whose health check fails) is rolled out; the node's update fails its health window and is
 * rolled back; later checks — and a restarted agent — leave the node alone while the control plane still names
 * 3.0.0;
 * {@code noderr-agent retry} lets it try once more; an emergency rollback to another version is followed at once.
 * Then {@code noderr-agent rollback} refuses while another process updates the node and while an earlier update is
 * unfinished on disk, and leaves no operator lock behind either time.
 */
class FailedTargetTest extends OwnControlPlaneNode {

    @Test
    void aFailedTargetIsNotRetriedUntilItChangesOrTheOperatorAsks() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var bad = TestDocker.image("bad");
        var configFile = writeConfig(registerNode("Failed Target Operator"));
        var config = AgentConfig.load(configFile, Map.of());
        startNode(v1);
        controlPlane.publishAndActivateAllCohorts("ORACLE", v1);
        controlPlane.abortOpenRollouts("ORACLE");
        controlPlane.publishAndActivateAllCohorts("ORACLE", v2);
        controlPlane.abortOpenRollouts("ORACLE");
        controlPlane.publishAndActivateAllCohorts("ORACLE", bad); // ORACLE should now run 3.0.0

        var store = new StateStore(config.stateDir(), config.container());
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            var daemon = agent.daemon();
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
            assertThat(agent.runningVersion()).as("rolled back locally").contains("1.0.0");
            var failed = agent.updater().failed().orElseThrow();
            assertThat(failed.versionString()).isEqualTo("3.0.0");
            assertThat(failed.imageDigest()).isEqualTo(bad.digest());
            assertThat(failed.outcome()).isEqualTo(UpdateOutcome.ROLLED_BACK);
            var restarted = startedAt(); // a rolled-back update restarts the old container (same id, new start)

            // The control plane still names 3.0.0: the node is left alone, check after check.
            for (int i = 0; i < 2; i++) {
                assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.HELD_FAILED_TARGET);
            }
            assertThat(startedAt()).as("the running container is not touched again").isEqualTo(restarted);
            assertThat(agent.updater().failed()).contains(failed);
            assertThat(containers.inspect(NODE).orElseThrow().getState().getRunning()).isTrue();
            assertThat(metric(agent, "node_update_held_failed_target")).isEqualTo(1.0);
            var status = AgentEndToEndTest.command("status", "", "--config", configFile.toString());
            assertThat(status.exit()).isZero();
            assertThat(status.out()).containsPattern("failed: +3\\.0\\.0 \\(" + bad.digest() + "\\) ROLLED_BACK at ")
                    .contains("noderr-agent retry");
        }

        // Remembered on disk: a restarted agent does not try it either.
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(metric(agent, "node_update_failed")).as("still failed after the restart, until a success")
                    .isEqualTo(1.0);
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.HELD_FAILED_TARGET);
            var before = agent.updater().failed().orElseThrow();
            var restarted = startedAt();

            // The operator asks explicitly: one more attempt, which fails the same way and is remembered again.
            var retry = AgentEndToEndTest.command("retry", "", "--config", configFile.toString());
            assertThat(retry.exit()).as(retry.toString()).isZero();
            assertThat(retry.out()).contains("Forgot the failed update to 3.0.0");
            assertThat(agent.updater().failed()).isEmpty();
            var again = AgentEndToEndTest.command("retry", "", "--config", configFile.toString());
            assertThat(again.exit()).isZero();
            assertThat(again.out()).contains("No failed update is recorded");
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
            assertThat(startedAt()).as("it did run again").isNotEqualTo(restarted);
            assertThat(agent.updater().failed().orElseThrow().failedAt()).isAfter(before.failedAt());
            assertThat(agent.runningVersion()).contains("1.0.0");
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.HELD_FAILED_TARGET);

            // An emergency rollback of the tier to another version (2.0.0) is followed at once.
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.HELD_FAILED_TARGET);
            controlPlane.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                    Map.of("toVersion", "2.0.0", "reason", "3.0.0 fails its health check"), 200);
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATED);
            assertThat(agent.runningVersion()).contains("2.0.0");
            assertThat(metric(agent, "node_update_held_failed_target")).isEqualTo(0.0);
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(agent.updater().failed()).as("healthy on another target: 3.0.0 is forgotten").isEmpty();
            assertThat(metric(agent, "node_update_failed")).isEqualTo(0.0);
        }

        // A restarted agent does not count the old failure again (the alert would fire for a healthy node).
        var failedFile = config.stateDir().resolve("failed-target.json");
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(metric(agent, "node_update_failed")).as("after the restart").isEqualTo(0.0);
            var status = AgentEndToEndTest.command("status", "", "--config", configFile.toString());
            assertThat(status.out()).as(status.toString()).doesNotContain("3.0.0");
        }
        // A record an older agent kept after the node updated successfully to another version is forgotten at start.
        var previous = store.previous().orElseThrow();
        Files.writeString(failedFile, failedTarget(bad, previous.replacedAt().minusSeconds(60)));
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(metric(agent, "node_update_failed")).isEqualTo(0.0);
            assertThat(failedFile).doesNotExist();
        }
        // A failure after the last success counts, until the control plane names another version (here 2.0.0, the
        // emergency rollback's version the node runs): then it is forgotten, without an update.
        Files.writeString(failedFile, failedTarget(bad, java.time.Instant.now()));
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(metric(agent, "node_update_failed")).isEqualTo(1.0);
            var restarted = startedAt();
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(startedAt()).isEqualTo(restarted);
            assertThat(agent.updater().failed()).isEmpty();
            assertThat(metric(agent, "node_update_failed")).isEqualTo(0.0);
        }
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(metric(agent, "node_update_failed")).isEqualTo(0.0);
        }

        // noderr-agent rollback (to 1.0.0, the previous version) refuses while another process holds the update lock
        // and while an earlier update is unfinished on disk: a clear message, no stack trace, no lock left behind.
        try (var busy = UpdateLockAccess.hold(config.stateDir(), config.container())) {
            var refused = AgentEndToEndTest.command("rollback", "", "--config", configFile.toString(), "--yes");
            assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err()).contains("another noderr-agent process is updating this node")
                    .contains("Nothing changed").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(config.lockFile()).doesNotExist();
        }
        var idle = store.load();
        store.save(new UpdateRecord(UpdateState.PULLING, idle.container(), idle.previousContainer(),
                new UpdateTarget("3.0.0", bad.tagged(), bad.digest()), "2.0.0", null, null, null,
                java.time.Instant.now(), null, null, null, false));
        var unfinished = AgentEndToEndTest.command("rollback", "", "--config", configFile.toString(), "--yes");
        assertThat(unfinished.exit()).as(unfinished.toString()).isEqualTo(1);
        assertThat(unfinished.err()).contains("An update to 3.0.0 is unfinished (PULLING)").contains("Nothing changed")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(config.lockFile()).doesNotExist();
        assertThat(agentRunning()).contains("2.0.0");

        // Once nothing is in the way, the rollback runs and holds automatic updates.
        store.save(idle);
        var rollback = AgentEndToEndTest.command("rollback", "", "--config", configFile.toString(), "--yes");
        assertThat(rollback.exit()).as(rollback.toString()).isZero();
        assertThat(agentRunning()).contains("1.0.0");
        assertThat(config.lockFile()).exists();
    }

    /** failed-target.json as the agent writes it, for {@code image} ROLLED_BACK at {@code at}. */
    private static String failedTarget(TestDocker.Image image, java.time.Instant at) {
        return "{\"versionString\":\"" + image.version() + "\",\"imageDigest\":\"" + image.digest()
                + "\",\"outcome\":\"ROLLED_BACK\",\"reason\":\"the new container is unhealthy\",\"failedAt\":\""
                + at + "\"}";
    }

    private static java.util.Optional<String> agentRunning() {
        return containers.inspect(NODE).map(Daemon::versionOf);
    }

    private static double metric(Agent agent, String name) {
        var snapshot = agent.metrics().registry().scrape().stream()
                .filter(m -> m.getMetadata().getPrometheusName().equals(name)).findFirst().orElseThrow();
        return ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) snapshot).getDataPoints().getFirst().getValue();
    }
}
