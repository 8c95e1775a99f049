package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.UpdateOutcome;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An emergency rollback pushed with its target is followed without the version query — and with every safety check
 * of the update path. Against a control plane of its own, the real Docker engine, registry and chain: the node runs
 * ORACLE 2.0.0 and hears, on its real push stream, the rollback to 1.0.0 with 1.0.0's image. The operator lock holds
 * it; a target whose digest is not the one the VersionBeacon records for 1.0.0 is refused; the pushed target itself
 * is updated to; and none of it asks the control plane's version query (its own count). A ROLLBACK without the target
 * (an older control plane) asks the query, as before.
 */
class PushedRollbackTest extends OwnControlPlaneNode {

    @Test
    void aPushedRollbackIsFollowedWithoutAVersionQueryAndStillCheckedAgainstTheChain() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var nodeId = registerNode("Pushed Rollback Operator");
        var config = AgentConfig.load(writeConfig(nodeId), Map.of());
        startNode(v2);
        controlPlane.publishAndActivateAllCohorts("ORACLE", v1);
        controlPlane.abortOpenRollouts("ORACLE");

        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            var daemon = agent.daemon();
            var messages = new LinkedBlockingQueue<PushMessage>();
            try (var push = agent.push(messages::add)) {
                push.start();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(push::connected);
                // Heard a CHECK_NOW: the control plane has the stream registered, so the rollback reaches it too.
                controlPlane.publishAndActivateAllCohorts("ORACLE", v2);
                assertThat(messages.poll(30, TimeUnit.SECONDS)).isNotNull()
                        .extracting(PushMessage::type).isEqualTo(PushMessage.CHECK_NOW);
                assertThat(daemon.runningVersion()).isEqualTo("2.0.0");

                controlPlane.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                        Map.of("toVersion", "1.0.0", "reason", "2.0.0 is bad"), 200);
                PushMessage rollback;
                do {
                    rollback = messages.poll(30, TimeUnit.SECONDS);
                    assertThat(rollback).as("the ROLLBACK is pushed").isNotNull();
                } while (!rollback.type().equals(PushMessage.ROLLBACK));
                assertThat(rollback.rollbackTarget("ORACLE")).as("it names the target")
                        .hasValueSatisfying(t -> {
                            assertThat(t.versionString()).isEqualTo("1.0.0");
                            assertThat(t.imageRef()).isEqualTo(v1.tagged());
                            assertThat(t.imageDigest()).isEqualTo(v1.digest());
                        });
                long queries = controlPlane.versionQueries();
                var started = startedAt();

                // The operator's lock holds a pushed rollback as it holds one the version query names.
                Files.createDirectories(config.lockFile().getParent());
                Files.writeString(config.lockFile(), "held for maintenance");
                assertThat(daemon.onPush(rollback)).isEqualTo(Daemon.CheckResult.HELD_BY_LOCK);
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
                Files.delete(config.lockFile());

                // A target whose digest the chain does not record for 1.0.0 (another image of the registry) is pulled
                // and refused before anything is stopped.
                var forged = new PushMessage(PushMessage.ROLLBACK, "ORACLE", rollback.versionId(), "1.0.0",
                        v1.tagged(), TestDocker.image("v4").digest());
                assertThat(daemon.onPush(forged)).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
                var failed = agent.updater().failed().orElseThrow();
                assertThat(failed.outcome()).isEqualTo(UpdateOutcome.FAILED);
                assertThat(failed.reason()).contains("digest mismatch");
                assertThat(daemon.runningVersion()).isEqualTo("2.0.0");
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);

                // The pushed target: updated to, with no version query.
                assertThat(daemon.onPush(rollback)).isEqualTo(Daemon.CheckResult.UPDATED);
                assertThat(daemon.runningVersion()).isEqualTo("1.0.0");
                assertThat(controlPlane.versionQueries()).as("version queries answered").isEqualTo(queries);
                Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    var node = controlPlane.get("/api/v1/admin/nodes/" + nodeId).get("node");
                    assertThat(node.get("currentVersion").asText()).isEqualTo("1.0.0");
                    assertThat(node.get("targetVersion").asText()).isEqualTo("1.0.0");
                });
                assertThat(daemon.onPush(rollback)).as("already on it").isEqualTo(Daemon.CheckResult.UP_TO_DATE);
                assertThat(controlPlane.versionQueries()).isEqualTo(queries);

                // What an older control plane sends: the node asks the version query.
                var bare = PushMessage.parse("{\"type\":\"ROLLBACK\",\"tier\":\"ORACLE\",\"versionId\":1}")
                        .orElseThrow();
                assertThat(daemon.onPush(bare)).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
                assertThat(controlPlane.versionQueries()).isEqualTo(queries + 1);
            }
        }
    }
}
