package network.noderr.controlplane.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

/**
 * Durable health ingest by group commit: requests hand their reports to one writer, which takes everything queued
 * (up to a batch limit), writes it with a single COPY plus one set-based update of the node registry, commits, and
 * only then releases the waiting requests. A report is acknowledged only after its transaction committed.
 */
@Service
public class HealthIngest implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HealthIngest.class);
    private static final int MAX_BATCH_REPORTS = 10_000;
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(30);

    record Pending(List<HealthReport> reports, CompletableFuture<Void> done) {}

    private final DataSource dataSource;
    private final HealthThresholds thresholds;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(50_000);
    private final Counter ingested;
    private final ApplicationEventPublisher events;
    private volatile boolean running;
    private volatile Instant lastCommitted;
    private Thread writer;

    HealthIngest(DataSource dataSource, HealthThresholds thresholds, Clock clock, MeterRegistry registry,
            ApplicationEventPublisher events) {
        this.dataSource = dataSource;
        this.events = events;
        this.thresholds = thresholds;
        this.clock = clock;
        this.ingested = Counter.builder("noderr.health.reports")
                .description("Health reports committed to PostgreSQL")
                .register(registry);
    }

    /** Stores the reports durably (blocks until committed) and returns the classification of the last one. */
    public HealthStatus ingest(List<HealthReport> reports) {
        var pending = new Pending(reports, new CompletableFuture<>());
        try {
            if (!running || !queue.offer(pending, WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IngestUnavailableException("The health ingest is not accepting reports right now.");
            }
            pending.done().get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IngestUnavailableException("Interrupted while storing the reports.");
        } catch (ExecutionException | TimeoutException e) {
            throw new IngestUnavailableException("The reports could not be stored; send them again.");
        }
        var last = reports.getLast();
        return HealthClassifier.classify(sample(last), thresholds);
    }

    /** When this replica last stored a health report, or empty when it has stored none since it started. */
    Optional<Instant> lastCommitted() {
        return Optional.ofNullable(lastCommitted);
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
                int reports = first.reports().size();
                Pending next;
                while (reports < MAX_BATCH_REPORTS && (next = queue.poll()) != null) {
                    batch.add(next);
                    reports += next.reports().size();
                }
                commit(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Writes a group of requests in one transaction and releases them. When the database refuses the group's data
     * (not when it is unreachable), the requests are written one by one, so one request the database cannot take
     * fails alone instead of every node's reports with it. A group rolled back by a deadlock is written again (up to
     * {@value #DEADLOCK_ATTEMPTS} times).
     */
    void commit(List<Pending> batch) {
        int reports = batch.stream().mapToInt(p -> p.reports().size()).sum();
        HealthReported committed = null;
        for (int attempt = 1; committed == null; attempt++) {
            try {
                committed = write(batch);
            } catch (SQLException | RuntimeException e) {
                if (attempt < DEADLOCK_ATTEMPTS && "40P01".equals(sqlState(e))) {
                    // Another transaction updating several registry rows (the node API's writer, the silence check)
                    // locked them in another order; PostgreSQL rolled this one back, so writing it again is safe.
                    log.info("Health reports of {} requests met a deadlock; writing them again", batch.size());
                    continue;
                }
                failed(batch, reports, e);
                return;
            }
        }
        lastCommitted = clock.instant();
        batch.forEach(p -> p.done().complete(null));
        ingested.increment(reports);
        announce(committed);
    }

    /** How often a group is written when deadlocks roll it back. */
    static final int DEADLOCK_ATTEMPTS = 3;

    /** The SQLSTATE of the first {@link SQLException} in the cause chain that has one, or null. */
    private static @org.jspecify.annotations.Nullable String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private void failed(List<Pending> batch, int reports, Exception e) {
        if (batch.size() > 1 && refusedData(e)) {
            log.warn("The database refused a group of {} health-report requests ({}); storing them one by one",
                    batch.size(), e.getMessage());
            batch.forEach(p -> commit(List.of(p)));
        } else {
            log.error("Could not store {} health reports", reports, e);
            batch.forEach(p -> p.done().completeExceptionally(e));
        }
    }

    /** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the data, not the database. */
    private static boolean refusedData(Exception e) {
        var state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** Listeners run on this thread; one failing must not stop the writer. */
    private void announce(HealthReported committed) {
        try {
            events.publishEvent(committed);
        } catch (RuntimeException e) {
            log.warn("A listener failed on {} committed health reports: {}", committed.nodeIds().size(), e.toString());
        }
    }

    /** Writes the batch in one transaction; returns who reported and whose classification or version changed. */
    private HealthReported write(List<Pending> batch) throws SQLException {
        var csv = new StringBuilder(batch.size() * 128);
        var latest = new LinkedHashMap<String, HealthReport>();
        for (var pending : batch) {
            for (var r : pending.reports()) {
                var m = r.metrics();
                csv.append(quote(r.nodeId())).append(',').append(quote(r.version())).append(',').append(m.uptime())
                        .append(',').append(m.cpu()).append(',').append(m.memory()).append(',')
                        .append(m.disk() == null ? "" : m.disk()).append(',').append(m.errors()).append(',')
                        .append(r.timestamp()).append('\n');
                var seen = latest.get(r.nodeId());
                if (seen == null || !seen.timestamp().isAfter(r.timestamp())) {
                    latest.put(r.nodeId(), r);
                }
            }
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("""
                        COPY health_reports (node_id, version, uptime, cpu_usage, memory_usage, disk_usage,
                            error_count, reported_at) FROM STDIN WITH (FORMAT csv)""", new StringReader(csv.toString()));
                var changed = updateRegistry(c, latest.values());
                c.commit();
                return new HealthReported(Set.copyOf(latest.keySet()), changed);
            } catch (SQLException | RuntimeException | java.io.IOException e) {
                c.rollback();
                throw e instanceof SQLException s ? s : new SQLException(e);
            }
        }
    }

    /**
     * Updates each node's registry row with its latest report; returns the nodes whose health classification or
     * running version changed. The self-join reads the rows as they were before this statement (PostgreSQL 17 has
     * no {@code RETURNING OLD}).
     *
     * <p>Health follows the newest report ({@code last_health_check}), but the running version only follows a report
     * newer than the version's last observation ({@code version_observed_at}, which update reports and the version
     * query set too): a report the node sent before an update, stored after the update's report, is older than that
     * observation and leaves the version alone. Both sides of the comparison are the node's clock, except after a
     * version query or an update report without a timestamp (docs/api.md, "The registry's running version").
     */
    private Set<String> updateRegistry(Connection c, java.util.Collection<HealthReport> latest) throws SQLException {
        var ids = new String[latest.size()];
        var versions = new String[latest.size()];
        var times = new Timestamp[latest.size()];
        var statuses = new String[latest.size()];
        int i = 0;
        var now = clock.instant();
        for (var r : latest) {
            ids[i] = r.nodeId();
            versions[i] = r.version();
            times[i] = Timestamp.from(r.timestamp());
            // A late report (delivered from a node's buffer) that is already older than the silence window leaves
            // the node unhealthy, as SilentNodes would mark it.
            statuses[i] = HealthClassifier.classify(sample(r), r.timestamp(), now, thresholds).wireName();
            i++;
        }
        var changed = new HashSet<String>();
        try (var update = c.prepareStatement("""
                UPDATE node_versions v SET
                    current_version = CASE WHEN v.version_observed_at IS NULL OR v.version_observed_at < u.at
                        THEN u.version ELSE v.current_version END,
                    version_observed_at = CASE WHEN v.version_observed_at IS NULL OR v.version_observed_at < u.at
                        THEN u.at ELSE v.version_observed_at END,
                    last_health_check = u.at, health_status = u.status, updated_at = now()
                FROM unnest(?::varchar[], ?::varchar[], ?::timestamptz[], ?::varchar[]) AS u(node_id, version, at, status)
                JOIN node_versions old ON old.node_id = u.node_id
                WHERE v.node_id = u.node_id AND (v.last_health_check IS NULL OR v.last_health_check <= u.at)
                RETURNING v.node_id, old.health_status IS DISTINCT FROM u.status
                    OR old.current_version IS DISTINCT FROM v.current_version""")) {
            update.setArray(1, c.createArrayOf("varchar", ids));
            update.setArray(2, c.createArrayOf("varchar", versions));
            update.setArray(3, c.createArrayOf("timestamptz", times));
            update.setArray(4, c.createArrayOf("varchar", statuses));
            try (var rows = update.executeQuery()) {
                while (rows.next()) {
                    if (rows.getBoolean(2)) {
                        changed.add(rows.getString(1));
                    }
                }
            }
        }
        return changed;
    }

    private static String quote(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    static HealthClassifier.Sample sample(HealthReport r) {
        return new HealthClassifier.Sample(r.metrics().cpu(), r.metrics().memory(), r.metrics().errors());
    }

    @Override
    public void start() {
        running = true;
        writer = Thread.ofPlatform().name("health-ingest-writer").daemon().start(this::writeLoop);
    }

    @Override
    public void stop() {
        running = false;
        try {
            writer.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Thrown when reports could not be committed; the API answers 503 so the node keeps them buffered. */
    public static class IngestUnavailableException extends RuntimeException {
        IngestUnavailableException(String message) {
            super(message);
        }
    }
}
