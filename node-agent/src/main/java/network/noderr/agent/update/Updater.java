package network.noderr.agent.update;

import java.time.Clock;
import java.time.Instant;
import network.noderr.agent.docker.NodeContainers;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives an update through its persisted states. Before each step the record is written atomically; a fatal error
 * ends the update (FAILED while the old container is untouched, ROLLED_BACK after it was stopped); a retryable one
 * leaves the state as it is for the next attempt. After a crash, {@link #resume()} runs the step of the state on
 * disk again.
 */
public final class Updater {

    private static final Logger log = LoggerFactory.getLogger(Updater.class);

    private final StateStore store;
    private final Steps.Context context;

    public Updater(StateStore store, NodeContainers containers, OnChainReleases chain, UpdateReporter reporter,
            UpdateSettings settings, Clock clock) {
        this(store, containers, chain, reporter, settings, clock, System::nanoTime);
    }

    /** As above, with the monotonic time source the health window is measured on ({@link System#nanoTime()}). */
    Updater(StateStore store, NodeContainers containers, OnChainReleases chain, UpdateReporter reporter,
            UpdateSettings settings, Clock clock, java.util.function.LongSupplier nanoTime) {
        this.store = store;
        this.context = new Steps.Context(containers, chain, reporter, settings, clock, nanoTime, store);
    }

    /** What the VersionBeacon records for this node's tier and {@code version}. */
    public java.util.Optional<OnChainRelease> onChain(String version) throws java.io.IOException {
        return context.chain().release(context.settings().tier(), version);
    }

    /** The node's tier's current version id on the VersionBeacon. */
    public long currentVersionId() throws java.io.IOException {
        return context.chain().currentVersionId(context.settings().tier());
    }

    public UpdateRecord current() {
        return store.load();
    }

    /**
     * Starts an update to {@code target} and runs it to the end (or to the first retryable error). Refused while
     * another process runs an update ({@link BusyException}) or while an earlier one is unfinished on disk
     * ({@link InProgressException}: {@link #resume()} continues that one).
     */
    public UpdateRecord update(UpdateTarget target, @Nullable String fromVersion) throws InterruptedException {
        return update(target, fromVersion, (UpdateState) null);
    }

    /**
     * As {@link #update(UpdateTarget, String)}; {@code onStart} runs once the update is sure to start (the update lock
     * is held and no earlier update is unfinished), before its first step. If it throws, nothing has started.
     */
    public UpdateRecord update(UpdateTarget target, @Nullable String fromVersion, Starting onStart)
            throws InterruptedException, java.io.IOException {
        return start(target, fromVersion, null, onStart);
    }

    /** What a caller does just before an update starts ({@code noderr-agent rollback} writes the operator lock). */
    @FunctionalInterface
    public interface Starting {
        void run() throws java.io.IOException;
    }

    /** Thrown when another process (the daemon, or a manual rollback) is updating this node right now. */
    public static final class BusyException extends IllegalStateException {
        BusyException() {
            super("another noderr-agent process is updating this node right now; try again when it has finished");
        }
    }

    /** Thrown when an earlier update is unfinished on disk: the daemon resumes it, nothing new starts before. */
    public static final class InProgressException extends IllegalStateException {
        InProgressException(UpdateRecord record) {
            super("an update to " + (record.target() == null ? "?" : record.target().versionString())
                    + " is unfinished (" + record.state() + "); the agent resumes it at its next check");
        }
    }

    /** As {@link #update(UpdateTarget, String)}, stopping before {@code stopBefore} runs (the record stays there). */
    UpdateRecord update(UpdateTarget target, @Nullable String fromVersion, @Nullable UpdateState stopBefore)
            throws InterruptedException {
        try {
            return start(target, fromVersion, stopBefore, null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // only onStart throws it, and there is none
        }
    }

    private UpdateRecord start(UpdateTarget target, @Nullable String fromVersion, @Nullable UpdateState stopBefore,
            @Nullable Starting onStart) throws InterruptedException, java.io.IOException {
        try (var mutex = lock()) {
            var record = store.load();
            if (record.state() != UpdateState.IDLE) {
                throw new InProgressException(record);
            }
            if (onStart != null) {
                onStart.run();
            }
            var started = new UpdateRecord(UpdateState.PULLING, record.container(), record.previousContainer(),
                    target, fromVersion, null, null, null, context.clock().instant(), null, null, null, false);
            save(started);
            log.info("Update to {} ({}) started", target.versionString(), target.pinned());
            return drive(started, stopBefore);
        }
    }

    /** Continues the update on disk, if any; returns the record where it stopped (IDLE when done). */
    public UpdateRecord resume() throws InterruptedException {
        var record = store.load();
        if (record.state() == UpdateState.IDLE) {
            return record;
        }
        var mutex = store.tryLock();
        if (mutex == null) {
            log.info("Another noderr-agent process is running the update to {}; not resuming it here",
                    record.target() == null ? "?" : record.target().versionString());
            return record;
        }
        try (mutex) {
            return resumeLocked();
        }
    }

    private UpdateRecord resumeLocked() throws InterruptedException {
        var record = store.load(); // again: the other process may have finished in between
        if (record.state() == UpdateState.IDLE) {
            return record;
        }
        log.info("Resuming the update to {} at {}", record.target() == null ? "?" : record.target().versionString(),
                record.state());
        return drive(record, null);
    }

    private UpdateRecord drive(UpdateRecord record, @Nullable UpdateState stopBefore) throws InterruptedException {
        var r = record;
        while (r.state() != UpdateState.IDLE && r.state() != stopBefore) {
            var before = r;
            if (r == record && CHANGES_CONTAINERS.contains(r.state())) { // resumed: the last write may be long ago
                save(r); // the same record again: the state can still be written before a container changes
            }
            try {
                r = Steps.forState(r.state(), context).run(r);
                if (before.state() == UpdateState.REPORTING && before.outcome() == UpdateOutcome.SUCCEEDED
                        && before.fromVersion() != null && before.target() != null) {
                    store.savePrevious(new StateStore.PreviousVersion(before.fromVersion(),
                            before.target().repository(), context.clock().instant()));
                }
                if (before.state() == UpdateState.REPORTING && before.target() != null && before.outcome() != null) {
                    rememberOutcome(before.target(), before.outcome(), before.reason());
                }
            } catch (UpdateException.NotTheOldContainer e) { // the old version does not run again: no rollback
                log.error("Update to {}: the rollback did not start a container: {}",
                        r.target() == null ? "?" : r.target().versionString(), e.getMessage());
                r = r.finish(UpdateOutcome.FAILED, "rollback impossible: " + e.getMessage());
            } catch (UpdateException.Fatal e) {
                r = fail(r, e.getMessage());
            } catch (UpdateException e) { // retryable
                log.warn("Update step {} will be retried: {}", r.state(),
                        UpdateRecord.oneLine(String.valueOf(e.getMessage())));
                return r;
            }
            save(r);
            if (r.state() == UpdateState.REPORTING && r.outcome() != null) {
                var level = r.outcome() == UpdateOutcome.SUCCEEDED ? org.slf4j.event.Level.INFO
                        : org.slf4j.event.Level.WARN; // journalctl -p warning shows what did not go through
                log.atLevel(level).log("Update to {}: {}{}", r.target() == null ? "?" : r.target().versionString(),
                        r.outcome(), r.reason() == null ? "" : " (" + r.reason() + ")");
            }
        }
        return r;
    }

    /**
     * The steps that stop, rename, create or remove a container: when an update is resumed at one of them, its record
     * is written again first (otherwise the write that entered the state has just succeeded).
     */
    private static final java.util.Set<UpdateState> CHANGES_CONTAINERS = java.util.EnumSet.of(UpdateState.PREPARING,
            UpdateState.SWAPPING, UpdateState.COMMITTING, UpdateState.ROLLING_BACK);

    /**
     * Writes {@code r}; when that fails (a full or read-only disk), the old container is put back under its name and
     * started — the update cannot go on without its record, and the node must not stay down — and the attempt ends
     * with a {@link StateUnwritableException}. The record on disk stays at an earlier state; the steps recognise the
     * old container back under its name and start the swap over once the state can be written again.
     */
    private void save(UpdateRecord r) {
        try {
            store.save(r);
        } catch (java.io.UncheckedIOException e) {
            var restored = Steps.restoreOld(context, r);
            throw new StateUnwritableException(r, e, restored);
        }
    }

    /** The update record could not be written: the attempt ends (the daemon's next check tries again). */
    public static final class StateUnwritableException extends IllegalStateException {
        StateUnwritableException(UpdateRecord r, java.io.UncheckedIOException cause, String restored) {
            super("the update to " + (r.target() == null ? "?" : r.target().versionString()) + " stopped at "
                    + r.state() + " because the update state cannot be written (" + cause.getMessage() + ": "
                    + cause.getCause() + "); " + restored + ". It goes on once the state directory is writable "
                    + "again (disk full? read-only?)", cause);
        }
    }

    /**
     * A failed or rolled-back target is remembered so that the daemon does not run it again and again
     * ({@link #failed()}); any successful update forgets it: the node is healthy on the target it succeeded with (the
     * remembered one after {@code noderr-agent retry}, or another one the control plane named since).
     */
    private void rememberOutcome(UpdateTarget target, UpdateOutcome outcome, @Nullable String reason) {
        if (outcome == UpdateOutcome.SUCCEEDED) {
            store.failed().ifPresent(f -> {
                store.clearFailed();
                if (!f.matches(target)) {
                    log.info("The failed update to {} is forgotten: the node runs {} after a successful update",
                            f.versionString(), target.versionString());
                }
            });
            return;
        }
        store.saveFailed(new StateStore.FailedTarget(target.versionString(), target.imageDigest(), outcome, reason,
                context.clock().instant()));
    }

    /** The last target whose update failed here and is not to be started again automatically, if any. */
    public java.util.Optional<StateStore.FailedTarget> failed() {
        return store.failed();
    }

    /**
     * Forgets a failed target that a later successful update left behind (recorded by an agent that kept it after
     * succeeding with another target: the previous-version record is newer than the failure), so that it does not
     * count as a failure at start-up. Returns the forgotten one.
     */
    public java.util.Optional<StateStore.FailedTarget> forgetFailureBeforeLastSuccess() {
        var failed = store.failed().orElse(null);
        var previous = store.previous().orElse(null);
        if (failed == null || previous == null || !previous.replacedAt().isAfter(failed.failedAt())) {
            return java.util.Optional.empty();
        }
        store.clearFailed();
        log.info("The failed update to {} ({}) is forgotten: the node updated successfully after it, at {}",
                failed.versionString(), failed.failedAt(), previous.replacedAt());
        return java.util.Optional.of(failed);
    }

    /** Forgets the failed target, so that the daemon may start it again; false when none was recorded. */
    public boolean forgetFailed() {
        return store.clearFailed();
    }

    /** A fatal error: before the old container was stopped the update simply failed; after, it rolls back. */
    private static UpdateRecord fail(UpdateRecord r, String reason) {
        return switch (r.state()) {
            case PULLING, VERIFYING, PREPARING -> r.finish(UpdateOutcome.FAILED, reason);
            case SWAPPING, HEALTH_WINDOW -> r.finish(UpdateOutcome.ROLLED_BACK, reason).to(UpdateState.ROLLING_BACK);
            default -> r.finish(r.outcome() == null ? UpdateOutcome.FAILED : r.outcome(), reason);
        };
    }

    private StateStore.Mutex lock() {
        var mutex = store.tryLock();
        if (mutex == null) {
            throw new BusyException();
        }
        return mutex;
    }

    /** The version before the last successful update, if one is recorded. */
    public java.util.Optional<StateStore.PreviousVersion> previous() {
        return store.previous();
    }

    /** When the update on disk started, for reports and logs. */
    public @Nullable Instant startedAt() {
        return store.load().startedAt();
    }
}
