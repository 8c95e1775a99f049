package network.noderr.controlplane.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.rollouts.NodeVersionChanged;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import reactor.core.Disposable;

/**
 * The live streams as a browser sees them, fed by the real node API on real PostgreSQL: registrations and reports
 * tick the right topics, one node's stream ticks for that node, and bursts are coalesced.
 */
@IntegrationTest
class LiveEventsTest {

    static final Duration DEADLINE = Duration.ofSeconds(15);

    @LocalServerPort
    int port;

    @Autowired
    LiveEvents live;

    @Autowired
    LiveProperties properties;

    @Autowired
    Applications applications;

    @Autowired
    ApplicationEventPublisher publisher;

    final BlockingQueue<LiveEvent> received = new LinkedBlockingQueue<>();
    final List<Disposable> subscriptions = new ArrayList<>();

    @BeforeEach
    void subscribe() throws InterruptedException {
        subscriptions.add(live.changes().subscribe(received::add));
        var hello = received.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(hello).isNotNull();
        assertThat(hello.kind()).isEqualTo(LiveEvent.Kind.HELLO);
        assertThat(hello.heartbeatSeconds()).isEqualTo((int) properties.heartbeat().toSeconds());
    }

    @AfterEach
    void unsubscribe() {
        subscriptions.forEach(Disposable::dispose);
    }

    @Test
    void aNodeRegisteringAndReportingTicksTheRegistryAndItsOwnStream() throws InterruptedException {
        var api = new ApiClient(port);
        var key = TestNodeKey.generate();
        var before = live.sequence();
        var login = Onboarding.registerAndLogIn(api, applications, key, Tier.ALL);
        var nodeId = login[0];

        var registered = awaitChange(received, covers(nodeId, before));
        assertThat(registered.topics()).contains(LiveTopic.NODES, LiveTopic.ROLLOUTS);
        var sequence = registered.sequence();
        assertThat(live.sequence()).isGreaterThanOrEqualTo(sequence);

        var nodeStream = new LinkedBlockingQueue<LiveEvent>();
        subscriptions.add(live.node(nodeId).subscribe(nodeStream::add));
        assertThat(nodeStream.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).kind()).isEqualTo(LiveEvent.Kind.HELLO);

        // The first report classifies the node: the registry's health column changes.
        var beforeReport = live.sequence();
        assertThat(report(api, login, 20).status()).isEqualTo(200);
        var reported = awaitChange(received, covers(nodeId, beforeReport));
        assertThat(reported.topics()).contains(LiveTopic.NODES);
        assertThat(reported.sequence()).isGreaterThan(sequence);
        assertThat(awaitChange(nodeStream, e -> e.nodeIds().contains(nodeId)).topics()).containsExactly(LiveTopic.NODES);

        // A report that changes nothing the lists show still reaches the screen showing that node.
        nodeStream.clear();
        assertThat(report(api, login, 21).status()).isEqualTo(200);
        assertThat(awaitChange(nodeStream, e -> e.nodeIds().contains(nodeId))).isNotNull();
    }

    @Test
    void aBurstOfChangesReachesSubscribersAsAtMostTwoEvents() throws InterruptedException {
        var prefix = "burst-" + System.nanoTime() + "-";
        int burst = 1000;
        var began = System.nanoTime();
        for (int i = 0; i < burst; i++) {
            publisher.publishEvent(new NodeVersionChanged(prefix + i, Tier.ALL,
                    NodeVersionChanged.Source.VERSION_QUERY));
        }
        var took = Duration.ofNanos(System.nanoTime() - began);
        // One event per window: a burst shorter than one window (as it is, unless the machine is very busy) spans at
        // most two flushes, and each further window it took allows one more. Collect until three windows after the
        // latest tick have passed quietly.
        long windows = took.toNanos() / properties.coalesce().toNanos();
        var events = new ArrayList<LiveEvent>();
        var seen = new HashSet<String>();
        var deadline = Instant.now().plus(DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            var event = received.poll(200, TimeUnit.MILLISECONDS);
            if (event != null && event.kind() == LiveEvent.Kind.CHANGE
                    && event.nodeIds().stream().anyMatch(id -> id.startsWith(prefix))) {
                events.add(event);
                event.nodeIds().stream().filter(id -> id.startsWith(prefix)).forEach(seen::add);
                deadline = Instant.now().plus(properties.coalesce().multipliedBy(3));
            }
        }
        assertThat(events).as("events for a burst of %s", took).hasSizeBetween(1, (int) (2 + windows));
        assertThat(events).allSatisfy(e -> {
            assertThat(e.topics()).contains(LiveTopic.NODES, LiveTopic.ROLLOUTS);
            assertThat(e.nodeIds()).hasSizeLessThanOrEqualTo(properties.maxNodeIds());
        });
        assertThat(events).anySatisfy(e -> assertThat(e.moreNodes()).isTrue());
        assertThat(seen).allMatch(id -> id.startsWith(prefix)).hasSizeLessThan(burst);
    }

    private ApiClient.Response report(ApiClient api, String[] login, double cpu) {
        return api.post("/api/v1/health", Map.of("nodeId", login[0], "version", "1.0.0", "metrics",
                Map.of("uptime", 60, "cpu", cpu, "memory", 40.0, "errors", 0), "timestamp",
                Instant.now().toString()), login[1]);
    }

    /**
     * A change event naming {@code nodeId}, or one emitted after {@code sequence} that says more nodes changed than it
     * lists: when over {@link LiveProperties#maxNodeIds()} nodes of other tests in the shared application change in the
     * same window (the silent-node check marking a batch, say), this node is only among the "more".
     */
    private static Predicate<LiveEvent> covers(String nodeId, long sequence) {
        return e -> e.nodeIds().contains(nodeId) || e.moreNodes() && e.sequence() > sequence;
    }

    private static LiveEvent awaitChange(BlockingQueue<LiveEvent> queue, Predicate<LiveEvent> matching)
            throws InterruptedException {
        var deadline = Instant.now().plus(DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            var event = queue.poll(200, TimeUnit.MILLISECONDS);
            if (event != null && event.kind() == LiveEvent.Kind.CHANGE && matching.test(event)) {
                return event;
            }
        }
        throw new AssertionError("No matching change event within " + DEADLINE);
    }
}
