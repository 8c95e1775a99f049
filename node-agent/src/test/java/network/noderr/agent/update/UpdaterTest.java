package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import network.noderr.agent.TestBeacon;
import network.noderr.agent.TestDocker;
import network.noderr.agent.chain.BeaconRecord;
import network.noderr.agent.docker.NodeContainers;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The update state machine against a real Docker engine, a real registry (images pulled by digest) and a real
 * VersionBeacon on anvil. Every test starts from a node container running v1 with its own env, label and restart
 * policy. The control plane is not part of these tests: outcomes are recorded by a stand-in reporter.
 */
class UpdaterTest {

    private static TestBeacon beacon;
    private static NodeContainers containers;

    @TempDir
    Path stateDir;

    private String name;
    private final List<UpdateOutcome> reports = new CopyOnWriteArrayList<>();
    /** The reasons reported with them (none for a success). */
    private final List<String> reasons = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void chain() throws Exception {
        beacon = TestBeacon.start();
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var bad = TestDocker.image("bad");
        beacon.publish(1, v1.version(), v1.tagged(), v1.digest());
        beacon.publish(1, v2.version(), v2.tagged(), v2.digest());
        beacon.publish(1, bad.version(), bad.tagged(), bad.digest());
        var v4 = TestDocker.image("v4");
        beacon.publish(1, v4.version(), v4.tagged(), v4.digest());
        // A version whose on-chain digest is not the image's: v2's version string under another record.
        beacon.publish(1, "2.0.1", v2.tagged(), TestDocker.image("v1").digest());
        // GUARDIAN: v1, then v2, which an emergency rollback withdrew (the tier is back on v1, #1).
        beacon.publish(2, v1.version(), v1.tagged(), v1.digest());
        beacon.publish(2, v2.version(), v2.tagged(), v2.digest());
        beacon.emergencyRollback(2, 1);
        containers = new NodeContainers(TestDocker.dockerHost());
    }

    @AfterAll
    static void stop() throws Exception {
        containers.close();
        beacon.close();
    }

    @BeforeEach
    void nodeOnV1() {
        name = "node-" + UUID.randomUUID().toString().substring(0, 8);
        var v1 = TestDocker.image("v1");
        containers.client().pullImageCmd(v1.repository()).withTag(v1.digest())
                .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>());
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> containers.client().inspectImageCmd(v1.pinned()).exec() != null);
        containers.client().createContainerCmd(v1.pinned())
                .withName(name)
                .withEnv("NODE_OPERATOR=alice")
                .withLabels(Map.of("network.noderr.operator", "alice"))
                .withHostConfig(HostConfig.newHostConfig().withInit(true)
                        .withRestartPolicy(RestartPolicy.unlessStoppedRestart()))
                .exec();
        containers.start(name);
        awaitHealthy();
    }

    @AfterEach
    void removeContainers() {
        containers.remove(name);
        containers.remove(name + "-previous");
    }

    @Test
    void updatesToTheNewVersionAndRemovesTheOldContainer() throws Exception {
        var v2 = TestDocker.image("v2");
        var done = updater().update(target(v2), "1.0.0");

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.SUCCEEDED);
        var running = containers.inspect(name).orElseThrow();
        assertThat(running.getConfig().getLabels()).containsEntry("network.noderr.version", "2.0.0")
                .containsEntry("network.noderr.operator", "alice");
        assertThat(running.getConfig().getEnv()).contains("NODE_OPERATOR=alice");
        assertThat(running.getHostConfig().getRestartPolicy()).isEqualTo(RestartPolicy.unlessStoppedRestart());
        assertThat(containers.health(name)).isEqualTo(NodeContainers.Health.HEALTHY);
        assertThat(containers.inspect(name + "-previous")).as("old container removed after commit").isEmpty();
    }

    @Test
    void rollsBackLocallyWhenTheNewVersionFailsItsHealthWindow() throws Exception {
        var v1Image = containers.imageOf(name);
        long start = System.nanoTime();
        var done = updater().update(target(TestDocker.image("bad")), "1.0.0");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.ROLLED_BACK);
        // Why, in Docker's words: the image's HEALTHCHECK (wget of a /health that is missing) and its exit code.
        assertThat(reasons).singleElement().asString()
                .startsWith("the new container is unhealthy; Docker's last health check exited 1: ")
                .contains("wget").doesNotContain("\n");
        assertThat(containers.imageOf(name)).isEqualTo(v1Image);
        awaitHealthy();
        assertThat(containers.inspect(name + "-previous")).isEmpty();
        assertThat(seconds).as("rolled back well before the rollback timeout").isLessThan(20);
    }

    @Test
    void refusesAnImageWhoseDigestDiffersFromTheChainAndLeavesTheNodeAlone() throws Exception {
        var before = containers.inspect(name).orElseThrow().getId();
        var v2 = TestDocker.image("v2");
        // The control plane names version 2.0.1 with v2's digest; the chain records another digest for 2.0.1.
        var done = updater().update(new UpdateTarget("2.0.1", v2.tagged(), v2.digest()), "1.0.0");

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.FAILED);
        assertThat(containers.inspect(name).orElseThrow().getId()).as("the same container, untouched").isEqualTo(before);
        assertThat(containers.health(name)).isEqualTo(NodeContainers.Health.HEALTHY);
    }

    /**
     * The chain is asked before anything is pulled: a control plane that names another image for a published version
     * makes the node fetch nothing. Either target below would fail differently if it were pulled first: the digest
     * is in no registry ("the registry has no …"), the registry host does not answer (a pull retried until it gives
     * up).
     */
    @Test
    void refusesATargetTheChainDoesNotRecordBeforePullingIt() throws Exception {
        var before = containers.inspect(name).orElseThrow().getId();
        var v2 = TestDocker.image("v2");
        var unknownDigest = "sha256:" + "ab".repeat(32);
        updater().update(new UpdateTarget(v2.version(), v2.tagged(), unknownDigest), "1.0.0");
        updater().update(new UpdateTarget(v2.version(), "127.0.0.1:9/elsewhere/node:" + v2.version(), v2.digest()),
                "1.0.0");

        assertThat(reports).containsExactly(UpdateOutcome.FAILED, UpdateOutcome.FAILED);
        assertThat(reasons.get(0)).contains("digest mismatch").contains(unknownDigest);
        assertThat(reasons.get(1)).contains("repository mismatch").contains("127.0.0.1:9/elsewhere/node")
                .contains(v2.tagged());
        assertThat(containers.inspect(name).orElseThrow().getId()).as("the same container, untouched").isEqualTo(before);
    }

    @Test
    void refusesAVersionAnEmergencyRollbackWithdrewAndLeavesTheNodeAlone() throws Exception {
        var before = containers.inspect(name).orElseThrow().getId();
        var v2 = TestDocker.image("v2");
        // The digest is v2's on-chain record, but the GUARDIAN tier was rolled back past it.
        var updater = updater(new StateStore(stateDir, name), Clock.systemUTC(), "GUARDIAN");
        var done = updater.update(target(v2), "1.0.0");

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.FAILED);
        assertThat(updater.failed().orElseThrow().reason()).contains("withdrawn").contains("back to version #1");
        assertThat(containers.inspect(name).orElseThrow().getId()).as("the same container, untouched").isEqualTo(before);
        assertThat(containers.health(name)).isEqualTo(NodeContainers.Health.HEALTHY);
    }

    @Test
    void refusesAVersionThatIsNotOnChain() throws Exception {
        var v2 = TestDocker.image("v2");
        updater().update(new UpdateTarget("9.9.9", v2.tagged(), v2.digest()), "1.0.0");
        assertThat(reports).containsExactly(UpdateOutcome.FAILED);
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .containsEntry("network.noderr.version", "1.0.0");
    }

    @ParameterizedTest(name = "crash before {0}")
    @EnumSource(value = UpdateState.class, names = {"VERIFYING", "PREPARING", "SWAPPING", "HEALTH_WINDOW",
        "COMMITTING", "REPORTING"})
    void aRestartAfterACrashAtAnyStateConvergesToTheNewVersion(UpdateState crashBefore) throws Exception {
        var stopped = updater().update(target(TestDocker.image("v2")), "1.0.0", crashBefore);
        assertThat(stopped.state()).isEqualTo(crashBefore);

        var done = updater().resume(); // a new process: only the state file and Docker survive

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.SUCCEEDED);
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .containsEntry("network.noderr.version", "2.0.0");
        awaitHealthy();
        assertThat(containers.inspect(name + "-previous")).isEmpty();
    }

    @ParameterizedTest(name = "crash before {0}")
    @EnumSource(value = UpdateState.class, names = {"HEALTH_WINDOW", "ROLLING_BACK", "REPORTING"})
    void aRestartAfterACrashDuringAFailingUpdateConvergesToTheOldVersion(UpdateState crashBefore) throws Exception {
        var v1Image = containers.imageOf(name);
        updater().update(target(TestDocker.image("bad")), "1.0.0", crashBefore);

        var done = updater().resume();

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.ROLLED_BACK);
        // Why, in Docker's words: the image's HEALTHCHECK (wget of a /health that is missing) and its exit code.
        assertThat(reasons).singleElement().asString()
                .startsWith("the new container is unhealthy; Docker's last health check exited 1: ")
                .contains("wget").doesNotContain("\n");
        assertThat(containers.imageOf(name)).isEqualTo(v1Image);
        awaitHealthy();
    }

    /**
     * {@code noderr-agent status} while an update is under way: the node went 1.0.0 → 2.0.0 (its previous version
     * 1.0.0) and now goes back to 1.0.0 (a rollback, or the control plane naming 1.0.0 again). In the health window
     * the new container runs 1.0.0 and the one it replaced, 2.0.0, is kept stopped: that is the previous version, not
     * the 1.0.0 recorded before the update, which is where the update goes.
     */
    @Test
    void statusInTheHealthWindowNamesTheVersionTheUpdateLeavesAsPrevious() throws Exception {
        assertThat(updater().update(target(TestDocker.image("v2")), "1.0.0").state()).isEqualTo(UpdateState.IDLE);
        assertThat(status()).containsPattern("running: +2\\.0\\.0 \\(container " + name + ", running\\)")
                .containsPattern("previous: +1\\.0\\.0 \\(replaced ");

        updater().update(target(TestDocker.image("v1")), "2.0.0", UpdateState.HEALTH_WINDOW);
        assertThat(status())
                .containsPattern("running: +1\\.0\\.0 \\(container " + name + ", running\\)")
                .containsPattern("previous: +2\\.0\\.0 \\(kept stopped as " + name + "-previous until the update to "
                        + "1\\.0\\.0 commits\\)")
                .containsPattern("update: +HEALTH_WINDOW → 1\\.0\\.0 ")
                .doesNotContainPattern("previous: +1\\.0\\.0");

        assertThat(updater().resume().state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.SUCCEEDED, UpdateOutcome.SUCCEEDED);
        assertThat(status()).containsPattern("running: +1\\.0\\.0 \\(container " + name + ", running\\)")
                .containsPattern("previous: +2\\.0\\.0 \\(replaced ")
                .containsPattern("update: +IDLE\\n");
    }

    /** What {@code noderr-agent status} prints for this test's node (its container, state and Docker). */
    private String status() throws Exception {
        var file = stateDir.resolve("agent.properties");
        java.nio.file.Files.writeString(file, String.join("\n", "control-plane-url=http://127.0.0.1:9",
                "node-id=ndr_updater", "tier=ORACLE", "key-path=" + stateDir.resolve("node-key.pem"),
                "state-dir=" + stateDir, "docker-host=" + TestDocker.dockerHost(), "container=" + name,
                "metrics-port=0") + "\n");
        var out = new java.io.ByteArrayOutputStream();
        var stdout = System.out;
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(network.noderr.agent.NoderrAgentTestAccess.commandLine().execute("status", "--config",
                    file.toString())).isZero();
        } finally {
            System.setOut(stdout);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void theOldContainerIsKeptWithoutARestartPolicySoThatARestartingDockerDoesNotStartItNextToTheNewOne()
            throws Exception {
        containers.setRestartPolicy(name, "always");
        var v1Image = containers.imageOf(name);

        updater().update(target(TestDocker.image("bad")), "1.0.0", UpdateState.HEALTH_WINDOW);
        assertThat(policy(name + "-previous")).as("the kept old container").isEqualTo("no");
        assertThat(policy(name)).as("the new container: the old one's original policy").isEqualTo("always");

        var done = updater().resume(); // the bad image fails its health window: rollback

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.ROLLED_BACK);
        assertThat(containers.imageOf(name)).isEqualTo(v1Image);
        assertThat(policy(name)).as("the old container's policy is back after the rollback").isEqualTo("always");
    }

    @Test
    void aLeftoverPreviousContainerIsNeitherTakenForTheUpdateNorRemoved() throws Exception {
        var v1 = TestDocker.image("v1");
        var stray = containers.client().createContainerCmd(v1.pinned()).withName(name + "-previous").exec().getId();
        var node = containers.inspect(name).orElseThrow().getId();

        var updater = updater();
        var done = updater.update(target(TestDocker.image("v2")), "1.0.0");

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).as("no update happened").containsExactly(UpdateOutcome.FAILED);
        assertThat(updater.failed()).hasValueSatisfying(f -> assertThat(f.reason())
                .contains("remove " + name + "-previous first"));
        assertThat(containers.inspect(name + "-previous")).as("the leftover is not removed")
                .hasValueSatisfying(c -> assertThat(c.getId()).isEqualTo(stray));
        assertThat(containers.inspect(name).orElseThrow().getId()).as("the node's container, untouched")
                .isEqualTo(node);
        assertThat(containers.health(name)).isEqualTo(NodeContainers.Health.HEALTHY);
    }

    @Test
    void aRollbackDoesNotStartAnotherContainerThatTookTheKeptOldContainersName() throws Exception {
        var oldId = containers.inspect(name).orElseThrow().getId();
        updater().update(target(TestDocker.image("bad")), "1.0.0", UpdateState.ROLLING_BACK); // the agent stops here
        assertThat(containers.inspect(name + "-previous").orElseThrow().getId()).isEqualTo(oldId);
        // Meanwhile the kept old container is removed and another one created under its name.
        containers.remove(name + "-previous");
        var foreign = createdFromV1(name + "-previous");

        var updater = updater();
        var done = updater.resume();

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).as("reported as failed, not as rolled back").containsExactly(UpdateOutcome.FAILED);
        assertThat(updater.failed()).hasValueSatisfying(f -> assertThat(f.reason())
                .contains("rollback impossible: the old container (id " + oldId.substring(0, 12) + ") is gone")
                .contains("not started"));
        var other = containers.inspect(name + "-previous").orElseThrow();
        assertThat(other.getId()).isEqualTo(foreign);
        assertThat(other.getState().getRunning()).as("the other container is not started").isFalse();
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .as("the new container was not put aside either").containsEntry("network.noderr.version", "3.0.0");
    }

    @Test
    void aResumedRollbackDoesNotStartAnotherContainerUnderTheNodesName() throws Exception {
        var oldId = containers.inspect(name).orElseThrow().getId();
        updater().update(target(TestDocker.image("bad")), "1.0.0", UpdateState.ROLLING_BACK);
        // The rollback had renamed the old container back when the agent died; then the old container went and
        // another one was created under the node's name.
        containers.remove(name);
        containers.rename(name + "-previous", name);
        containers.remove(name);
        var foreign = createdFromV1(name);

        var updater = updater();
        updater.resume();

        assertThat(reports).containsExactly(UpdateOutcome.FAILED);
        assertThat(updater.failed()).hasValueSatisfying(f -> assertThat(f.reason())
                .contains("the old container (id " + oldId.substring(0, 12) + ") is gone"));
        var other = containers.inspect(name).orElseThrow();
        assertThat(other.getId()).isEqualTo(foreign);
        assertThat(other.getState().getRunning()).as("the other container is not started").isFalse();
    }

    @Test
    void aStateFileWithoutTheOldContainersIdStillRollsBackByName() throws Exception {
        var v1Image = containers.imageOf(name);
        var store = new StateStore(stateDir, name);
        updater(store).update(target(TestDocker.image("bad")), "1.0.0", UpdateState.ROLLING_BACK);
        // As an agent that did not record the old container's id wrote it.
        var file = stateDir.resolve("update.json");
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(file.toFile());
        json.remove("fromContainerId");
        java.nio.file.Files.writeString(file, json.toString());
        assertThat(store.load().fromContainerId()).isNull();

        var done = updater(store).resume();

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.ROLLED_BACK);
        // Why, in Docker's words: the image's HEALTHCHECK (wget of a /health that is missing) and its exit code.
        assertThat(reasons).singleElement().asString()
                .startsWith("the new container is unhealthy; Docker's last health check exited 1: ")
                .contains("wget").doesNotContain("\n");
        assertThat(containers.imageOf(name)).isEqualTo(v1Image);
        awaitHealthy();
    }

    /** A container of v1's image, created (not started) under {@code containerName} by someone else. */
    private String createdFromV1(String containerName) {
        return containers.client().createContainerCmd(TestDocker.image("v1").pinned()).withName(containerName)
                .exec().getId();
    }

    @Test
    void aLonePreviousContainerIsNotAdoptedAsTheNodesContainer() throws Exception {
        containers.stop(name, Duration.ofSeconds(5));
        containers.rename(name, name + "-previous"); // no container under the node's name, only a -previous one
        var lone = containers.inspect(name + "-previous").orElseThrow().getId();

        var updater = updater();
        updater.update(target(TestDocker.image("v2")), "1.0.0");

        assertThat(reports).containsExactly(UpdateOutcome.FAILED);
        assertThat(updater.failed()).hasValueSatisfying(f -> assertThat(f.reason())
                .contains("there is no container " + name + " to update"));
        assertThat(containers.inspect(name)).isEmpty();
        assertThat(containers.inspect(name + "-previous")).hasValueSatisfying(c -> assertThat(c.getId())
                .isEqualTo(lone));
    }

    @Test
    void whenTheStateCannotBeWrittenAfterTheOldContainerWasStoppedItIsRestoredAndTheUpdateGoesOnLater()
            throws Exception {
        var node = containers.inspect(name).orElseThrow().getId();
        var failing = new FailingStateStore(stateDir, name, UpdateState.SWAPPING);

        assertThatThrownBy(() -> updater(failing).update(target(TestDocker.image("v2")), "1.0.0"))
                .isInstanceOf(Updater.StateUnwritableException.class)
                .hasMessageContaining("stopped at SWAPPING")
                .hasMessageContaining("the old container was restored and started as " + name);
        assertThat(failing.failedWrites).as("the write that failed came after the old container was stopped")
                .isEqualTo(1);

        var old = containers.inspect(name).orElseThrow();
        assertThat(old.getId()).as("the old container, back under its own name").isEqualTo(node);
        assertThat(NodeContainers.restartPolicyOf(old)).isEqualTo("unless-stopped");
        assertThat(containers.inspect(name + "-previous")).isEmpty();
        awaitHealthy();
        assertThat(reports).isEmpty();

        var done = updater().resume(); // the disk is writable again
        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.SUCCEEDED);
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .containsEntry("network.noderr.version", "2.0.0");
    }

    @Test
    void aResumedUpdateWhoseStateCannotBeWrittenPutsTheStoppedOldContainerBack() throws Exception {
        var node = containers.inspect(name).orElseThrow().getId();
        updater().update(target(TestDocker.image("v2")), "1.0.0", UpdateState.SWAPPING); // old stopped, then a crash
        assertThat(containers.inspect(name)).isEmpty();

        var failing = new FailingStateStore(stateDir, name, UpdateState.SWAPPING);
        assertThatThrownBy(() -> updater(failing).resume())
                .isInstanceOf(Updater.StateUnwritableException.class)
                .hasMessageContaining("the old container was restored and started as " + name);
        assertThat(containers.inspect(name).orElseThrow().getId()).isEqualTo(node);
        assertThat(containers.inspect(name + "-previous")).isEmpty();
        awaitHealthy();

        var done = updater().resume(); // writable again: the record says SWAPPING, the swap starts over
        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.SUCCEEDED);
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .containsEntry("network.noderr.version", "2.0.0");
        assertThat(containers.inspect(name + "-previous")).isEmpty();
    }

    /** A state store whose disk fails (full, or remounted read-only) from the write of a given state on. */
    static final class FailingStateStore extends StateStore {
        private final UpdateState failFrom;
        private boolean failing;
        int failedWrites;

        FailingStateStore(Path dir, String container, UpdateState failFrom) {
            super(dir, container);
            this.failFrom = failFrom;
        }

        @Override
        public void save(UpdateRecord record) {
            failing |= record.state() == failFrom;
            if (failing) {
                failedWrites++;
                throw new java.io.UncheckedIOException("Could not write the update state",
                        new java.io.IOException("No space left on device"));
            }
            super.save(record);
        }
    }

    @Test
    void aWallClockSteppedForwardDuringTheHealthWindowDoesNotRollBackAGoodUpdate() throws Exception {
        // NTP steps the wall clock by ten minutes at every reading, far beyond the 15 s rollback timeout.
        var base = Instant.now();
        var readings = new java.util.concurrent.atomic.AtomicLong();
        var stepping = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return base.plus(Duration.ofMinutes(10).multipliedBy(readings.incrementAndGet()));
            }
        };

        var done = updater(new StateStore(stateDir, name), stepping).update(target(TestDocker.image("v2")), "1.0.0");

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).containsExactly(UpdateOutcome.SUCCEEDED);
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .containsEntry("network.noderr.version", "2.0.0");
    }

    @Test
    void imageCleanupKeepsThePreviousVersionForRollbackAndDropsAFailedTargetFirst() throws Exception {
        var v1Id = containers.imageOf(name);
        var v2 = TestDocker.image("v2");
        var bad = TestDocker.image("bad");
        var v2Id = containers.pull(v2.repository(), v2.digest(), Duration.ofMinutes(1)); // a release still on disk
        var badId = containers.pull(bad.repository(), bad.digest(), Duration.ofMinutes(1));
        var updater = updater();

        updater.update(target(bad), "1.0.0"); // rolled back: the failed target
        updater.update(target(TestDocker.image("v4")), "1.0.0");

        assertThat(reports).containsExactly(UpdateOutcome.ROLLED_BACK, UpdateOutcome.SUCCEEDED);
        assertThat(updater.previous()).hasValueSatisfying(p -> assertThat(p.version()).isEqualTo("1.0.0"));
        var local = containers.client().listImagesCmd().exec().stream()
                .map(com.github.dockerjava.api.model.Image::getId).toList();
        assertThat(local).as("the running version, the previous one (rollback) and the newest other one")
                .contains(containers.imageOf(name), v1Id, v2Id)
                .as("the failed target's image goes first").doesNotContain(badId);
    }

    private static String policy(String container) {
        return NodeContainers.restartPolicyOf(containers.inspect(container).orElseThrow());
    }

    private Updater updater() {
        return updater(new StateStore(stateDir, name));
    }

    private Updater updater(StateStore store) {
        return updater(store, Clock.systemUTC());
    }

    private Updater updater(StateStore store, Clock clock) {
        return updater(store, clock, "ORACLE");
    }

    private Updater updater(StateStore store, Clock clock, String tier) {
        var settings = new UpdateSettings(tier, Duration.ofSeconds(2), Duration.ofSeconds(15),
                Duration.ofSeconds(5), Duration.ofMinutes(2));
        var chain = new BeaconRecord(beacon.rpcUrl(), beacon.address());
        UpdateReporter reporter = (record, ms) -> {
            reports.add(record.outcome());
            if (record.reason() != null) {
                reasons.add(record.reason());
            }
        };
        return new Updater(store, containers, chain, reporter, settings, clock);
    }

    private static UpdateTarget target(TestDocker.Image image) {
        return new UpdateTarget(image.version(), image.tagged(), image.digest());
    }

    private void awaitHealthy() {
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> containers.health(name) == NodeContainers.Health.HEALTHY);
    }
}
