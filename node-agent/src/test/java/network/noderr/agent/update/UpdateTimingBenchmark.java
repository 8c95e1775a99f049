package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import network.noderr.agent.TestBeacon;
import network.noderr.agent.TestDocker;
import network.noderr.agent.chain.BeaconRecord;
import network.noderr.agent.docker.NodeContainers;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Update and rollback timings on the real Docker engine and registry and a real chain ({@code ./bench agent}, see
 * docs/benchmarks.md); not part of the test suite. Each round: an update v1 → v2, a failing update v2 → bad (local
 * rollback) and an update v2 → v1, each target image removed first so that every update really pulls. Times come
 * from the Docker engine's own container events (nanosecond timestamps), so they are what the node saw.
 */
@EnabledIfSystemProperty(named = "noderr.bench.updates", matches = "[1-9][0-9]*")
class UpdateTimingBenchmark {

    static final Duration HEALTH_WINDOW = Duration.ofSeconds(10);
    static final Duration ROLLBACK_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path stateDir;

    final List<Event> events = new CopyOnWriteArrayList<>();
    final Map<String, List<Double>> samples = new LinkedHashMap<>();
    final List<UpdateOutcome> reports = new CopyOnWriteArrayList<>();
    NodeContainers containers;
    String name = "bench-node";

    @Test
    void updateAndRollbackTimings() throws Exception {
        int rounds = Integer.getInteger("noderr.bench.updates");
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var bad = TestDocker.image("bad");
        try (var beacon = TestBeacon.start(); var docker = new NodeContainers(TestDocker.dockerHost());
                var stream = docker.client().eventsCmd().withEventTypeFilter(EventType.CONTAINER)
                        .exec(new ResultCallback.Adapter<Event>() {
                            @Override
                            public void onNext(Event event) {
                                events.add(event);
                            }
                        })) {
            containers = docker;
            try {
                for (var image : List.of(v1, v2, bad)) {
                    beacon.publish(1, image.version(), image.tagged(), image.digest());
                }
                var chain = new BeaconRecord(beacon.rpcUrl(), beacon.address());
                var settings = new UpdateSettings("ORACLE", HEALTH_WINDOW, ROLLBACK_TIMEOUT, Duration.ofSeconds(5),
                        Duration.ofMinutes(2));
                var updater = new Updater(new StateStore(stateDir, name), containers, chain,
                        (record, ms) -> reports.add(record.outcome()), settings, Clock.systemUTC());
                startOnV1(v1);
                for (int round = 1; round <= rounds; round++) {
                    update(updater, v2, "1.0.0", UpdateOutcome.SUCCEEDED);
                    update(updater, bad, "2.0.0", UpdateOutcome.ROLLED_BACK);
                    update(updater, v1, "2.0.0", UpdateOutcome.SUCCEEDED);
                    System.out.printf("round %d/%d done%n", round, rounds);
                }
            } finally {
                containers.remove(name);
                containers.remove(name + "-previous");
            }
        }
        report(rounds);
    }

    private void update(Updater updater, TestDocker.Image target, String from, UpdateOutcome expected)
            throws Exception {
        var oldId = containers.inspect(name).orElseThrow().getId();
        removeImage(target);
        long started = System.currentTimeMillis() * 1_000_000L;
        long t0 = System.nanoTime();
        var done = updater.update(new UpdateTarget(target.version(), target.tagged(), target.digest()), from);
        double total = (System.nanoTime() - t0) / 1e9;
        assertThat(done.state()).isEqualTo(UpdateState.IDLE);
        assertThat(reports.getLast()).isEqualTo(expected);
        awaitHealthy();
        Thread.sleep(500); // the last events arrive
        var since = events.stream().filter(e -> nanos(e) >= started).toList();
        String newId = since.stream().filter(e -> "create".equals(e.getAction()) && !oldId.equals(e.getId()))
                .map(Event::getId).findFirst().orElseThrow();
        long oldDied = first(since, oldId, "die");
        long newStarted = first(since, newId, "start");
        if (expected == UpdateOutcome.SUCCEEDED) {
            long newHealthy = first(since, newId, "health_status: healthy");
            add("update: start → old container stopped (pull by digest, on-chain check, prepare)",
                    (oldDied - started) / 1e9);
            add("update: old container stopped → new one started (service gap)", (newStarted - oldDied) / 1e9);
            add("update: new one started → healthy", (newHealthy - newStarted) / 1e9);
            add("update: healthy → committed and reported (health window " + HEALTH_WINDOW.toSeconds() + " s)",
                    total - (newHealthy - started) / 1e9);
            add("update: total", total);
        } else {
            long badDied = first(since, newId, "die");
            long oldRestarted = after(since, oldId, "start", badDied);
            long oldHealthy = after(since, oldId, "health_status: healthy", oldRestarted);
            add("rollback: bad version started → judged failed and stopped", (badDied - newStarted) / 1e9);
            add("rollback: bad version stopped → old one running again", (oldRestarted - badDied) / 1e9);
            add("rollback: bad version stopped → old one healthy again", (oldHealthy - badDied) / 1e9);
            add("rollback: service gap (old stopped → old running again)", (oldRestarted - oldDied) / 1e9);
            add("rollback: total, until reported", total);
        }
    }

    private void startOnV1(TestDocker.Image v1) throws Exception {
        containers.remove(name);
        containers.remove(name + "-previous");
        containers.pull(v1.repository(), v1.digest(), Duration.ofMinutes(2));
        containers.client().createContainerCmd(v1.pinned()).withName(name).withEnv("NODE_OPERATOR=bench")
                .withHostConfig(HostConfig.newHostConfig().withInit(true)
                        .withRestartPolicy(RestartPolicy.unlessStoppedRestart()))
                .exec();
        containers.start(name);
        awaitHealthy();
    }

    /** Removes the image with all its names (its layers stay where another image shares them, as on a node). */
    private void removeImage(TestDocker.Image image) {
        try {
            var id = containers.client().inspectImageCmd(image.pinned()).exec().getId();
            containers.client().removeImageCmd(id).withForce(true).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            // not on the node: the update pulls it anyway
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> containers.client().inspectImageCmd(image.pinned())
                .exec()).as("removed before the update")
                .isInstanceOf(com.github.dockerjava.api.exception.NotFoundException.class);
    }

    private void awaitHealthy() {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> containers.health(name) == NodeContainers.Health.HEALTHY);
    }

    private static long nanos(Event e) {
        return e.getTimeNano() != null ? e.getTimeNano() : e.getTime() * 1_000_000_000L;
    }

    private static long first(List<Event> events, String id, String action) {
        return after(events, id, action, Long.MIN_VALUE);
    }

    private static long after(List<Event> events, String id, String action, long notBefore) {
        return events.stream().filter(e -> id.equals(e.getId()) && action.equals(e.getAction()))
                .mapToLong(UpdateTimingBenchmark::nanos).filter(t -> t >= notBefore).min()
                .orElseThrow(() -> new AssertionError("no '" + action + "' event for " + id));
    }

    private void add(String name, double seconds) {
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(seconds);
    }

    private void report(int rounds) throws IOException {
        var out = new StringBuilder(String.format("Update and rollback timings, %d rounds (s; %d samples per "
                + "update row, %d per rollback row)%n", rounds, 2 * rounds, rounds));
        out.append(String.format("%-84s %7s %7s %7s%n", "step", "p50", "max", "min"));
        samples.forEach((step, values) -> {
            var sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            out.append(String.format("%-84s %7.2f %7.2f %7.2f%n", step, sorted.get((sorted.size() - 1) / 2),
                    sorted.getLast(), sorted.getFirst()));
        });
        System.out.print(out);
        Files.writeString(Path.of("target/update-timings.txt"), out);
    }
}
