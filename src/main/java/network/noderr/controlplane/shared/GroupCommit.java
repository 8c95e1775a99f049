package network.noderr.controlplane.shared;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Group commit for small writes that many node requests make at the same moment (a push that makes every node ask,
 * thousands of nodes logging in at once). One transaction per request queues the requests on the connection pool
 * (each commit waits for its WAL flush), and requests waiting longer than the pool's timeout fail. Here one writer
 * thread takes everything queued (up to a batch limit) and commits it in one transaction, in the order it arrived;
 * each request still returns only after its write has committed. A batch that fails (a deadlock with another group
 * update that locks the same rows in another order, or one write the database refuses) is written again one write
 * per transaction, so one bad write fails only its own request.
 *
 * <p>Subclasses say how one write is applied; they run as their own lifecycle bean. Before start and after stop
 * (no writer thread), a write runs in its own transaction on the caller's thread.
 *
 * @param <W> one write
 */
public abstract class GroupCommit<W> implements SmartLifecycle {

    private record Pending<W>(W write, CompletableFuture<Integer> done) {}

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** How long a request waits to be queued and committed before it fails (the connection pool's own timeout). */
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(30);
    private static final int MAX_BATCH = 1_000;

    private final String name;
    private final TransactionTemplate transactions;
    private final BlockingQueue<Pending<W>> queue = new ArrayBlockingQueue<>(50_000);
    private volatile boolean running;
    private @Nullable Thread writer;

    /** @param name the writer thread's name and what its errors call it */
    protected GroupCommit(String name, PlatformTransactionManager transactionManager) {
        this.name = name;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    /** Applies one write inside the batch's transaction; returns the rows it changed (or another count it defines). */
    protected abstract int apply(W write);

    /** Writes {@code write} (blocks until committed); returns what {@link #apply} returned for it. */
    public int write(W write) {
        if (!running) { // starting or stopping: no writer to wait for
            return Objects.requireNonNull(transactions.execute(status -> apply(write)));
        }
        var pending = new Pending<>(write, new CompletableFuture<>());
        try {
            if (!queue.offer(pending, WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the " + name + " is overloaded");
            }
            return pending.done().get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the " + name + "'s write did not commit within " + WAIT_LIMIT, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void writeLoop() {
        var batch = new ArrayList<Pending<W>>();
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
                log.error("{}: {}", name, e.toString(), e);
                batch.forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    /** The batch in one transaction; when it fails, each write alone, so one bad write fails only its request. */
    private void commit(List<Pending<W>> batch) {
        int[] results = new int[batch.size()];
        try {
            transactions.executeWithoutResult(status -> {
                for (int i = 0; i < batch.size(); i++) {
                    results[i] = apply(batch.get(i).write());
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
            batch.get(i).done().complete(results[i]);
        }
    }

    @Override
    public void start() {
        running = true;
        writer = Thread.ofPlatform().name(name.replace(' ', '-')).daemon().start(this::writeLoop);
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
