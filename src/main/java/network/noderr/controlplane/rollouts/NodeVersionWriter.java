package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit for the node API's per-node registry writes: a version query that changed a node's current or target
 * version, and an update report. A release or an emergency rollback is pushed to every connected node at once, and
 * each of them asks and reports within a second; one transaction per request would queue thousands of requests on
 * the connection pool (each commit waits for its WAL flush), and requests waiting longer than the pool's timeout
 * failed. Here one writer takes everything queued and commits it in one transaction, in the order it arrived; each
 * request still returns only after its write has committed. A batch that fails (a deadlock with the health ingest's
 * group update, which locks the same rows in another order, or one write the database refuses) is written again one
 * write per transaction: a single row lock cannot deadlock.
 */
@Component
class NodeVersionWriter implements SmartLifecycle {

    /** One write; {@link #write} returns the rows it changed. */
    sealed interface Write permits VersionsSeen, UpdateReported {}

    /** The versions a node reported and was told, written only when they differ from the stored ones. */
    record VersionsSeen(String nodeId, @Nullable String current, @Nullable String target) implements Write {}

    /**
     * An update report, and the node's current version when it succeeded (or, ROLLED_BACK, the one it went back to).
     *
     * @param at when it was received (the control plane's clock)
     * @param observedAt the report's own timestamp (the node's clock), or {@code at} when the node sent none or one
     *     no health report could carry
     * @param target the node's target version to record with it, or null to leave it: the version of an emergency
     *     rollback in force, which a node told by the push reports without having asked the version query (which
     *     would have recorded it)
     */
    record UpdateReported(String nodeId, String tier, String cohort, @Nullable UUID rolloutId,
            @Nullable String fromVersion, String toVersion, String result, long durationMs, @Nullable String reason,
            Instant at, Instant observedAt, @Nullable String target) implements Write {}

    private record Pending(Write write, CompletableFuture<Integer> done) {}

    private static final Logger log = LoggerFactory.getLogger(NodeVersionWriter.class);
    /** How long a request waits to be queued and committed before it fails (the connection pool's own timeout). */
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(30);
    private static final int MAX_BATCH = 1_000;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(50_000);
    private volatile boolean running;
    private @Nullable Thread writer;

    NodeVersionWriter(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /** Writes {@code write} (blocks until committed); returns the rows it changed. */
    int write(Write write) {
        if (!running) { // starting or stopping: no writer to wait for
            return java.util.Objects.requireNonNull(transactions.execute(status -> apply(write)));
        }
        var pending = new Pending(write, new CompletableFuture<>());
        try {
            if (!queue.offer(pending, WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the node registry writer is overloaded");
            }
            return pending.done().get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the node registry", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the node registry write did not commit within " + WAIT_LIMIT, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void writeLoop() {
        var batch = new ArrayList<Pending>();
        while (running || !queue.isEmpty()) {
            try {
                var first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("Node registry writer: {}", e.toString(), e);
                batch.forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    /** The batch in one transaction; when it fails, each write alone, so one bad write fails only its request. */
    private void commit(List<Pending> batch) {
        int[] changed = new int[batch.size()];
        try {
            transactions.executeWithoutResult(status -> {
                for (int i = 0; i < batch.size(); i++) {
                    changed[i] = apply(batch.get(i).write());
                }
            });
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.getFirst().done().completeExceptionally(e);
                return;
            }
            for (var p : batch) {
                try {
                    p.done().complete(transactions.execute(status -> apply(p.write())));
                } catch (RuntimeException alone) {
                    p.done().completeExceptionally(alone);
                }
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done().complete(changed[i]);
        }
    }

    private int apply(Write write) {
        return switch (write) {
            // The query carries no time of the node's: a changed current version is observed at the receive time.
            case VersionsSeen v -> jdbc.sql("""
                            UPDATE node_versions SET current_version = COALESCE(:c, current_version),
                                version_observed_at = CASE WHEN current_version IS DISTINCT FROM
                                    COALESCE(:c, current_version) THEN now() ELSE version_observed_at END,
                                target_version = COALESCE(:t, target_version), updated_at = now()
                            WHERE node_id = :id
                              AND (current_version IS DISTINCT FROM COALESCE(:c, current_version)
                                   OR target_version IS DISTINCT FROM COALESCE(:t, target_version))""")
                    .param("c", v.current())
                    .param("t", v.target())
                    .param("id", v.nodeId())
                    .update();
            case UpdateReported u -> {
                int rows = jdbc.sql("""
                                INSERT INTO update_reports (node_id, tier, cohort, deployment_id, from_version,
                                    to_version, result, duration_ms, reason, reported_at)
                                VALUES (:node, :tier, :cohort, :rollout, :from, :to, :result, :duration, :reason, :now)""")
                        .param("node", u.nodeId())
                        .param("tier", u.tier())
                        .param("cohort", u.cohort())
                        .param("rollout", u.rolloutId())
                        .param("from", u.fromVersion())
                        .param("to", u.toVersion())
                        .param("result", u.result())
                        .param("duration", u.durationMs())
                        .param("reason", u.reason())
                        .param("now", Timestamp.from(u.at()))
                        .update();
                if (u.result().equals("SUCCEEDED")) {
                    rows += jdbc.sql("""
                                    UPDATE node_versions SET current_version = :v, version_observed_at = :observed,
                                        target_version = COALESCE(:t, target_version), updated_at = now()
                                    WHERE node_id = :id""")
                            .param("v", u.toVersion())
                            .param("observed", Timestamp.from(u.observedAt()))
                            .param("t", u.target())
                            .param("id", u.nodeId())
                            .update();
                } else {
                    if (u.result().equals("ROLLED_BACK") && u.fromVersion() != null) {
                        // Back on the version it came from. A health report sent during the health window said the
                        // new one; without this the registry would show it until the node's next health report.
                        rows += jdbc.sql("""
                                        UPDATE node_versions SET current_version = :v,
                                            version_observed_at = :observed, updated_at = now()
                                        WHERE node_id = :id
                                          AND (version_observed_at IS NULL OR version_observed_at < :observed)""")
                                .param("v", u.fromVersion())
                                .param("observed", Timestamp.from(u.observedAt()))
                                .param("id", u.nodeId())
                                .update();
                    }
                    if (u.target() != null) {
                        rows += jdbc.sql("""
                                        UPDATE node_versions SET target_version = :t, updated_at = now()
                                        WHERE node_id = :id AND target_version IS DISTINCT FROM :t""")
                                .param("t", u.target())
                                .param("id", u.nodeId())
                                .update();
                    }
                }
                yield rows;
            }
        };
    }

    @Override
    public void start() {
        running = true;
        writer = Thread.ofPlatform().name("node-version-writer").daemon().start(this::writeLoop);
    }

    @Override
    public void stop() {
        running = false;
        var w = writer;
        if (w != null) {
            try {
                w.join(WAIT_LIMIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
