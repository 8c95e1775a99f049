package network.noderr.controlplane.live;

import java.time.Clock;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import network.noderr.controlplane.alerts.AlertsChanged;
import network.noderr.controlplane.health.HealthReported;
import network.noderr.controlplane.nodes.NodeChanged;
import network.noderr.controlplane.rollouts.AutomaticRollback;
import network.noderr.controlplane.rollouts.NodeVersionChanged;
import network.noderr.controlplane.rollouts.TierChanged;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Turns the features' domain events into the dashboard's live streams. Events are only gathered (cheap, on the
 * publisher's thread, after its transaction commits); every {@link LiveProperties#coalesce() window} one flush
 * emits a single {@link LiveEvent.Kind#CHANGE} summarising them to every subscriber. Changes made on other replicas
 * arrive through {@link LiveFanOut} and are emitted the same way.
 */
@Component
public class LiveEvents implements SmartLifecycle {

    /** Stands for "any node may have changed" when a summary from another replica was too long to list them all. */
    private static final Set<String> ANY_NODE = Set.of("\u0000any");
    private static final Logger log = LoggerFactory.getLogger(LiveEvents.class);

    private final LiveProperties properties;
    private final Clock clock;
    private final ChangeBuffer local;
    private final ChangeBuffer remote;
    private final AtomicLong sequence = new AtomicLong();
    private final Sinks.Many<LiveEvent> changes = Sinks.many().multicast().directBestEffort();
    private final Sinks.Many<Set<String>> touched = Sinks.many().multicast().directBestEffort();
    private final Sinks.Many<ChangeBuffer.Changes> localFlushes = Sinks.many().multicast().directBestEffort();
    private final Object touchLock = new Object();
    private @Nullable Scheduler scheduler;
    private volatile @Nullable Disposable flusher;

    LiveEvents(LiveProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
        this.local = new ChangeBuffer(properties.maxNodeIds());
        this.remote = new ChangeBuffer(properties.maxNodeIds());
    }

    // --- what the features publish ---

    @TransactionalEventListener(fallbackExecution = true)
    void on(NodeChanged event) {
        changed(EnumSet.of(LiveTopic.NODES, LiveTopic.ROLLOUTS), Set.of(event.nodeId()));
    }

    /** Every report reaches a screen showing that node; only changed classifications or versions tick the lists. */
    @TransactionalEventListener(fallbackExecution = true)
    void on(HealthReported event) {
        if (!event.changedNodeIds().isEmpty()) {
            local.add(EnumSet.of(LiveTopic.NODES, LiveTopic.ROLLOUTS), event.changedNodeIds());
        }
        touch(event.nodeIds());
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(NodeVersionChanged event) {
        changed(EnumSet.of(LiveTopic.NODES, LiveTopic.ROLLOUTS), Set.of(event.nodeId()));
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(TierChanged event) {
        // Also the registry: an aborted rollout sets its nodes' targets back to what they run.
        changed(EnumSet.of(LiveTopic.ROLLOUTS, LiveTopic.NODES), Set.of());
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(AutomaticRollback event) {
        changed(EnumSet.of(LiveTopic.ROLLOUTS, LiveTopic.ALERTS), Set.of());
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(AlertsChanged event) {
        changed(EnumSet.of(LiveTopic.ALERTS), event.nodeIds());
    }

    /** A summary another replica flushed. */
    void remote(ChangeBuffer.Changes changes) {
        remote.add(changes);
        touch(changes.moreNodes() ? ANY_NODE : Set.copyOf(changes.nodeIds()));
    }

    private void changed(Collection<LiveTopic> topics, Set<String> nodeIds) {
        local.add(topics, nodeIds);
        touch(nodeIds);
    }

    private void touch(Set<String> nodeIds) {
        if (nodeIds.isEmpty() || touched.currentSubscriberCount() == 0) {
            return;
        }
        synchronized (touchLock) {
            touched.tryEmitNext(nodeIds);
        }
    }

    // --- what browsers subscribe to ---

    /**
     * Change events for the whole dashboard: a {@link LiveEvent.Kind#HELLO} first, then at most one
     * {@link LiveEvent.Kind#CHANGE} per window, and a heartbeat while nothing changes. A slow subscriber only ever
     * gets the latest event: each says "re-fetch", so skipping one loses nothing.
     */
    public Flux<LiveEvent> changes() {
        return Flux.concat(Mono.fromSupplier(() -> event(LiveEvent.Kind.HELLO, List.of(), List.of(), false)),
                        Flux.merge(changes.asFlux(), heartbeats()))
                .onBackpressureLatest();
    }

    /** Ticks (at most one per window) whenever this node reports or changes, for a screen showing that node. */
    public Flux<LiveEvent> node(String nodeId) {
        var nodeChanges = touched.asFlux()
                .filter(ids -> ids == ANY_NODE || ids.contains(nodeId))
                .sample(properties.coalesce())
                .map(ids -> event(LiveEvent.Kind.CHANGE, List.of(LiveTopic.NODES), List.of(nodeId), false));
        return Flux.concat(Mono.fromSupplier(() -> event(LiveEvent.Kind.HELLO, List.of(), List.of(), false)),
                        Flux.merge(nodeChanges, heartbeats()))
                .onBackpressureLatest();
    }

    /** The number of change events emitted so far: anything cached under an older number may be stale. */
    public long sequence() {
        return sequence.get();
    }

    /** The summaries of this replica's own changes, as flushed, for the other replicas. */
    Flux<ChangeBuffer.Changes> localFlushes() {
        return localFlushes.asFlux();
    }

    /** Emits what changed since the previous flush (here and on other replicas) as one event; runs every window. */
    synchronized void flush() {
        var mine = local.drain();
        var theirs = remote.drain();
        if (mine.isEmpty() && theirs.isEmpty()) {
            return;
        }
        mine.ifPresent(localFlushes::tryEmitNext);
        var merged = new ChangeBuffer(properties.maxNodeIds());
        mine.ifPresent(merged::add);
        theirs.ifPresent(merged::add);
        merged.drain().ifPresent(c -> {
            sequence.incrementAndGet();
            changes.tryEmitNext(event(LiveEvent.Kind.CHANGE, c.topics(), c.nodeIds(), c.moreNodes()));
        });
    }

    private Flux<LiveEvent> heartbeats() {
        return Flux.interval(properties.heartbeat())
                .map(i -> event(LiveEvent.Kind.HEARTBEAT, List.of(), List.of(), false));
    }

    private LiveEvent event(LiveEvent.Kind kind, List<LiveTopic> topics, List<String> nodeIds, boolean more) {
        return new LiveEvent(kind, topics, nodeIds, more, sequence.get(), (int) properties.heartbeat().toSeconds(),
                clock.instant());
    }

    @Override
    public void start() {
        scheduler = Schedulers.newSingle("live-flush", true);
        flusher = Flux.interval(properties.coalesce(), properties.coalesce(), scheduler).subscribe(i -> {
            try {
                flush();
            } catch (RuntimeException e) {
                log.warn("Could not emit a live update: {}", e.toString()); // the next window tries again
            }
        });
    }

    @Override
    public void stop() {
        var f = flusher;
        if (f != null) {
            f.dispose();
            flusher = null;
        }
        if (scheduler != null) {
            scheduler.dispose();
        }
        changes.tryEmitComplete();
    }

    @Override
    public boolean isRunning() {
        return flusher != null;
    }
}
