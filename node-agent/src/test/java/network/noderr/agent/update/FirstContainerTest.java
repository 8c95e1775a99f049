package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import network.noderr.agent.TestBeacon;
import network.noderr.agent.TestDocker;
import network.noderr.agent.chain.BeaconRecord;
import network.noderr.agent.docker.FirstContainer;
import network.noderr.agent.docker.NodeContainers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node without a container (a fresh install) gets its first one from the release the control plane names, through
 * the update's steps: pull by digest, the on-chain digest check, create and start with the configured defaults, the
 * health window; an unhealthy one is removed again. Against a real Docker engine, registry and VersionBeacon on anvil;
 * outcomes go to a stand-in reporter.
 */
class FirstContainerTest {

    private static TestBeacon beacon;
    private static NodeContainers containers;

    @TempDir
    Path stateDir;

    private String name;
    private String volume;
    private FirstContainer settings;
    private final List<UpdateRecord> reports = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void chain() throws Exception {
        beacon = TestBeacon.start();
        for (var image : List.of("v1", "v2", "bad")) {
            var i = TestDocker.image(image);
            beacon.publish(1, i.version(), i.tagged(), i.digest());
        }
        containers = new NodeContainers(TestDocker.dockerHost());
    }

    @AfterAll
    static void stop() throws Exception {
        containers.close();
        beacon.close();
    }

    @BeforeEach
    void aNodeWithoutContainer() throws Exception {
        var id = UUID.randomUUID().toString().substring(0, 8);
        name = "fresh-" + id;
        volume = "fresh-data-" + id;
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        settings = new FirstContainer(List.of("127.0.0.1:" + port + ":8080"), volume, "on-failure:3");
    }

    @AfterEach
    void removeContainers() {
        containers.remove(name);
        containers.remove(name + "-previous");
        try {
            containers.client().removeVolumeCmd(volume).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException gone) {
            // not created
        }
    }

    @Test
    void createsTheFirstContainerFromTheTargetWithTheConfiguredDefaults() throws Exception {
        var v1 = TestDocker.image("v1");
        var updater = updater();
        var done = updater.update(target(v1), null);

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(UpdateOutcome.SUCCEEDED);
            assertThat(r.fromVersion()).as("an update from no version").isNull();
            assertThat(r.target().versionString()).isEqualTo("1.0.0");
        });
        var node = containers.inspect(name).orElseThrow();
        assertThat(node.getImageId()).isEqualTo(containers.imageId(v1.pinned()));
        assertThat(node.getConfig().getLabels()).containsEntry("network.noderr.version", "1.0.0");
        HostConfig host = node.getHostConfig();
        assertThat(host.getInit()).isTrue();
        assertThat(host.getRestartPolicy()).isEqualTo(RestartPolicy.onFailureRestart(3));
        assertThat(host.getBinds()).extracting(b -> b.getPath() + ":" + b.getVolume().getPath())
                .containsExactly(volume + ":" + FirstContainer.DATA_PATH);
        var binding = host.getPortBindings().getBindings().get(ExposedPort.tcp(8080));
        assertThat(binding).extracting(Ports.Binding::getHostIp, Ports.Binding::getHostPortSpec)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("127.0.0.1",
                        settings.ports().getFirst().split(":")[1]));
        assertThat(containers.health(name)).isEqualTo(NodeContainers.Health.HEALTHY);
        assertThat(updater.previous()).as("no version to roll back to").isEmpty();
        assertThat(updater.failed()).isEmpty();

        // The next update replaces it as any other: the agent's own label is not passed on.
        updater.update(target(TestDocker.image("v2")), "1.0.0");
        assertThat(reports.getLast().outcome()).isEqualTo(UpdateOutcome.SUCCEEDED);
        var next = containers.inspect(name).orElseThrow();
        assertThat(next.getConfig().getLabels()).containsEntry("network.noderr.version", "2.0.0")
                .doesNotContainKey(NodeContainers.CREATED_LABEL);
        assertThat(next.getHostConfig().getBinds()).hasSize(1);
        assertThat(next.getHostConfig().getRestartPolicy()).isEqualTo(RestartPolicy.onFailureRestart(3));
    }

    @Test
    void anUnhealthyFirstContainerIsRemovedAgainAndTheUpdateReportedRolledBack() throws Exception {
        var updater = updater();
        var done = updater.update(target(TestDocker.image("bad")), null);

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(UpdateOutcome.ROLLED_BACK);
            assertThat(r.fromVersion()).isNull();
            assertThat(r.reason()).contains("unhealthy").contains("the node has no container, as before");
        });
        assertThat(containers.inspect(name)).as("left as it was: no container").isEmpty();
        assertThat(containers.inspect(name + "-previous")).isEmpty();
        assertThat(updater.failed().orElseThrow().versionString()).isEqualTo("3.0.0");
    }

    @Test
    void anImageTheChainDoesNotRecordIsRefusedBeforeAnythingIsCreated() throws Exception {
        var v2 = TestDocker.image("v2");
        updater().update(new UpdateTarget("9.9.9", v2.tagged(), v2.digest()), null);

        assertThat(reports).singleElement().extracting(UpdateRecord::outcome).isEqualTo(UpdateOutcome.FAILED);
        assertThat(containers.inspect(name)).isEmpty();
    }

    @ParameterizedTest(name = "crash before {0}")
    @EnumSource(value = UpdateState.class, names = {"VERIFYING", "PREPARING", "SWAPPING", "HEALTH_WINDOW",
        "COMMITTING", "REPORTING"})
    void aRestartAfterACrashAtAnyStateConvergesToOneHealthyContainer(UpdateState crashBefore) throws Exception {
        var stopped = updater().update(target(TestDocker.image("v1")), null, crashBefore);
        assertThat(stopped.state()).isEqualTo(crashBefore);

        var done = updater().resume(); // a new process: only the state file and Docker survive

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).extracting(UpdateRecord::outcome).containsExactly(UpdateOutcome.SUCCEEDED);
        assertThat(nodeContainers()).as("one container, never two").hasSize(1);
        assertThat(containers.inspect(name).orElseThrow().getConfig().getLabels())
                .containsEntry("network.noderr.version", "1.0.0");
        assertThat(containers.health(name)).isEqualTo(NodeContainers.Health.HEALTHY);
    }

    @Test
    void aCrashAfterTheContainerWasCreatedButNotStartedStartsThatOne() throws Exception {
        updater().update(target(TestDocker.image("v1")), null, UpdateState.HEALTH_WINDOW);
        var created = containers.inspect(name).orElseThrow().getId();
        containers.stop(name, Duration.ofSeconds(5)); // as if killed between create and start
        var record = new StateStore(stateDir, name).load();
        new StateStore(stateDir, name).save(record.to(UpdateState.SWAPPING)); // the record before the swap ran

        updater().resume();

        assertThat(reports).extracting(UpdateRecord::outcome).containsExactly(UpdateOutcome.SUCCEEDED);
        assertThat(containers.inspect(name).orElseThrow().getId()).as("the same container").isEqualTo(created);
        assertThat(nodeContainers()).hasSize(1);
    }

    @ParameterizedTest(name = "crash before {0}")
    @EnumSource(value = UpdateState.class, names = {"HEALTH_WINDOW", "ROLLING_BACK", "REPORTING"})
    void aRestartAfterACrashDuringAFailingFirstContainerLeavesNoContainer(UpdateState crashBefore) throws Exception {
        updater().update(target(TestDocker.image("bad")), null, crashBefore);

        var done = updater().resume();

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).extracting(UpdateRecord::outcome).containsExactly(UpdateOutcome.ROLLED_BACK);
        assertThat(nodeContainers()).isEmpty();
    }

    @Test
    void aContainerAnOperatorCreatedMeanwhileIsNeverTouched() throws Exception {
        var v1 = TestDocker.image("v1");
        updater().update(target(TestDocker.image("v2")), null, UpdateState.SWAPPING); // marked: the node had none
        // on disk whatever other tests' image clean-ups removed before
        containers.pull(v1.repository(), v1.digest(), java.time.Duration.ofMinutes(1));
        containers.client().createContainerCmd(v1.pinned()).withName(name)
                .withHostConfig(HostConfig.newHostConfig().withInit(true)).exec();
        containers.start(name);
        var operators = containers.inspect(name).orElseThrow().getId();

        var done = updater().resume();

        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isNotEqualTo(UpdateOutcome.SUCCEEDED);
            assertThat(r.reason()).contains("not by this update");
        });
        var node = containers.inspect(name).orElseThrow();
        assertThat(node.getId()).isEqualTo(operators);
        assertThat(node.getState().getRunning()).isTrue();
    }

    /** The containers under the node's name or its "previous" one. */
    private List<String> nodeContainers() {
        return containers.client().listContainersCmd().withShowAll(true).exec().stream()
                .flatMap(c -> java.util.Arrays.stream(c.getNames()))
                .filter(n -> n.equals("/" + name) || n.equals("/" + name + "-previous"))
                .toList();
    }

    private Updater updater() {
        var settings = new UpdateSettings("ORACLE", Duration.ofSeconds(2), Duration.ofSeconds(15),
                Duration.ofSeconds(5), Duration.ofMinutes(2), this.settings);
        var chain = new BeaconRecord(beacon.rpcUrl(), beacon.address());
        UpdateReporter reporter = (record, ms) -> reports.add(record);
        return new Updater(new StateStore(stateDir, name), containers, chain, reporter, settings, Clock.systemUTC());
    }

    private static UpdateTarget target(TestDocker.Image image) {
        return new UpdateTarget(image.version(), image.tagged(), image.digest());
    }
}
