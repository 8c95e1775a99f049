package network.noderr.agent.daemon;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.concurrent.ThreadLocalRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import network.noderr.agent.Problems;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.docker.NodeContainers;
import network.noderr.agent.metrics.AgentMetrics;
import network.noderr.agent.update.UpdateTarget;
import network.noderr.agent.update.Updater;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's two periodic jobs, run by a scheduler the caller owns (tests call them by hand): {@link #check()}
 * asks the control plane what to run and updates when told to; {@link #reportHealth()} takes a health sample,
 * buffers it on disk and delivers everything buffered, in order (the sample from memory, last, when the disk cannot
 * take it).
 *
 * <p>The update rule: an update starts only when the control plane says {@code shouldUpdate}, auto-update is on,
 * and no operator lock file exists (known not to: a lock whose existence cannot be told holds too). Normal and high priority updates also wait for the maintenance window, if one is
 * set; emergency priority (a rollback) does not wait for the window — but an operator's lock holds even then.
 *
 * <p>A target whose update failed here (FAILED or ROLLED_BACK: same version and digest) is not started again: the
 * node would go down for it at every check. The daemon follows the control plane again as soon as it names another
 * version or digest (an emergency rollback to another version included), which forgets the failure, or once the
 * operator runs {@code noderr-agent retry}, which forgets it too. A {@code CHECK_NOW} push is no such request: it
 * only runs this check sooner. A pushed {@code ROLLBACK} that names its target takes the place of the version query's
 * answer ({@link #onPush}); every rule above applies to it unchanged.
 */
public final class Daemon {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** Labels the running version is read from, the OCI one first. */
    static final String[] VERSION_LABELS = {"org.opencontainers.image.version", "network.noderr.version"};
    /** The longest version the control plane accepts (health reports, the version query, update reports). */
    static final int MAX_VERSION_LENGTH = 50;
    /** The version health reports carry when the node container has none (not there, or no usable label). */
    static final String UNKNOWN_VERSION = "unknown";
    /** The version query's priority of an emergency rollback, which does not wait for the maintenance window. */
    static final String EMERGENCY = "emergency";

    private final AgentConfig config;
    private final ControlPlane controlPlane;
    private final NodeContainers containers;
    private final Updater updater;
    private final HealthBuffer buffer;
    private final Clock clock;
    private final AgentMetrics metrics;
    private volatile @Nullable Instant lastCheck;
    private volatile @Nullable Instant lastReport;
    /** For {@code status}: the last check's time, outcome and error, and the last target named. */
    private volatile @Nullable Instant checkedAt;
    /** The last check's {@link CheckResult} name as the status record has it, or one of AgentStatus's finer ones. */
    private volatile @Nullable String lastStatusResult;
    /** Set by a check that ended UP_TO_DATE without running the target: {@link AgentStatus#NOT_MOVED_NOW} or so. */
    private volatile @Nullable String idleAs;
    private volatile @Nullable String lastError;
    private volatile AgentStatus.@Nullable Target lastTarget;
    private volatile @Nullable String lastRunning;
    /** Run after every update this daemon ran, whatever its outcome (the run command reports health then). */
    private volatile Runnable afterUpdate = () -> {};

    public Daemon(AgentConfig config, ControlPlane controlPlane, NodeContainers containers, Updater updater,
            HealthBuffer buffer, AgentMetrics metrics, Clock clock) {
        this.config = config;
        this.metrics = metrics;
        this.controlPlane = controlPlane;
        this.containers = containers;
        this.updater = updater;
        this.buffer = buffer;
        this.clock = clock;
    }

    /**
     * {@code hook} runs after every update a check ran, whatever its outcome, on the check's thread: the node's
     * container changed, and the health report it last sent (up to a check interval old) describes the one before.
     */
    public void afterUpdate(Runnable hook) {
        this.afterUpdate = hook;
    }

    /** What happened in one check, for logs and tests. */
    public enum CheckResult {
        UP_TO_DATE, UPDATED, HELD_BY_LOCK, OUTSIDE_WINDOW, AUTO_UPDATE_OFF, RESUMED, FAILED,
        /** The update ran and failed (the node runs its old version); the target is remembered as failed. */
        UPDATE_FAILED,
        /** The target is the one whose update failed here: not started again until it changes or is retried. */
        HELD_FAILED_TARGET,
        /**
         * The target is older than the tier's current version on the VersionBeacon: a rollback the chain has not
         * recorded (within {@code chain-wait}). Not started; asked again at the next check.
         */
        WAITING_FOR_CHAIN
    }

    /** A version check: asks the control plane's version query what to run and updates when told to. */
    public CheckResult check() throws InterruptedException {
        return check(null);
    }

    /**
     * A check the push stream asked for. A {@code ROLLBACK} that names its target (version, image, digest: a control
     * plane that sends them) is followed without asking the version query: the target is what the query would answer
     * while the rollback is in force (the tier's emergency version at emergency priority, for every cohort), and it
     * then takes the same path as the query's answer — the failed-target rule, auto-update, the operator lock, the
     * wait for the chain, and the update's digest check against the VersionBeacon, which refuses a digest the chain
     * does not record. Any other message (a {@code CHECK_NOW}, a {@code ROLLBACK} of an older control plane without
     * the target, or one for another tier) runs a normal {@link #check()}.
     */
    public CheckResult onPush(PushMessage message) throws InterruptedException {
        return check(message.rollbackTarget(config.tier()).orElse(null));
    }

    /** @param pushed a pushed rollback's target, or null to ask the version query */
    private CheckResult check(@Nullable UpdateTarget pushed) throws InterruptedException {
        lastError = null;
        idleAs = null;
        var result = CheckResult.FAILED;
        try {
            result = checkOnce(pushed);
            return result;
        } finally { // what status shows: when, how it ended and why, whatever the path out
            checkedAt = clock.instant();
            lastStatusResult = result == CheckResult.UP_TO_DATE && idleAs != null ? idleAs : result.name();
            saveStatus(lastRunning);
        }
    }

    private CheckResult checkOnce(@Nullable UpdateTarget pushed) throws InterruptedException {
        try {
            var resumed = updater.resume();
            if (resumed.state() != network.noderr.agent.update.UpdateState.IDLE) {
                return CheckResult.RESUMED; // still retrying an earlier update
            }
            var current = runningVersion();
            metrics.runningVersion(current);
            ControlPlane.VersionAnswer answer;
            if (pushed == null) {
                answer = controlPlane.version(current);
                lastCheck = clock.instant(); // when the control plane last answered the version query
                metrics.checked(lastCheck);
            } else {
                // The version query's rule for a tier under an emergency rollback (UpdateDecision): update unless
                // the node runs the rollback's version already.
                answer = new ControlPlane.VersionAnswer(pushed.versionString(), pushed.imageRef(),
                        pushed.imageDigest(), null, !pushed.versionString().equals(current), EMERGENCY);
                log.info("Pushed emergency rollback to {} ({}); running {}", pushed.versionString(),
                        pushed.imageDigest(), current == null ? "nothing" : current);
            }
            lastTarget = new AgentStatus.Target(answer.versionString(), answer.imageDigest(), answer.shouldUpdate(),
                    answer.updatePriority());
            saveStatus(current);
            forgetFailureNotNamed(answer);
            if (!answer.shouldUpdate() || answer.versionString() == null || answer.imageDigest() == null
                    || answer.dockerImageTag() == null) {
                metrics.heldFailedTarget(false);
                // Nothing to do now; the status record says why: the node runs the target, or no release is named,
                // or the control plane does not move the node to it yet (its cohort, a paused rollout).
                idleAs = answer.versionString() == null ? AgentStatus.NO_RELEASE
                        : answer.versionString().equals(current) ? null : AgentStatus.NOT_MOVED_NOW;
                return CheckResult.UP_TO_DATE;
            }
            var target = new UpdateTarget(answer.versionString(), answer.dockerImageTag(), answer.imageDigest());
            if (runsAlready(target, current)) {
                metrics.heldFailedTarget(false);
                return CheckResult.UP_TO_DATE;
            }
            var failed = updater.failed().orElse(null);
            boolean held = failed != null && failed.matches(target);
            metrics.heldFailedTarget(held);
            if (held) {
                log.warn("{} ({}) is not started again: its update {} here at {}{}. Run noderr-agent retry to try it "
                        + "again", target.versionString(), answer.updatePriority(), failed.outcome(),
                        failed.failedAt(), failed.reason() == null ? "" : " (" + failed.reason() + ")");
                return CheckResult.HELD_FAILED_TARGET;
            }
            var emergency = EMERGENCY.equals(answer.updatePriority());
            if (!config.autoUpdate()) {
                log.info("{} is available ({}) but auto-update is off", answer.versionString(), answer.updatePriority());
                return CheckResult.AUTO_UPDATE_OFF;
            }
            var hold = heldBack(answer, emergency);
            if (hold != null) {
                return hold;
            }
            var onChain = onChainCurrent(target);
            if (onChain == ChainAnswer.DISAGREES) {
                return CheckResult.WAITING_FOR_CHAIN;
            }
            if (onChain == ChainAnswer.AGREED_AFTER_WAITING && (hold = heldBack(answer, emergency)) != null) {
                return hold; // the operator took the lock, or the window closed, while the check waited
            }
            checkedAt = clock.instant(); // status shows the update as started while it runs
            lastStatusResult = AgentStatus.UPDATING;
            saveStatus(current);
            var done = updater.update(target, current);
            metrics.runningVersion(runningVersion());
            afterUpdate.run();
            if (done.state() != network.noderr.agent.update.UpdateState.IDLE) {
                return CheckResult.RESUMED;
            }
            return updater.failed().map(f -> f.matches(target)).orElse(false) ? CheckResult.UPDATE_FAILED
                    : CheckResult.UPDATED;
        } catch (IOException | RuntimeException e) {
            lastError = Problems.describe(e);
            log.warn("Version check failed (the running container is untouched): {}", lastError);
            return CheckResult.FAILED;
        }
    }

    /**
     * The failed target is held (and counted in {@code node_update_failed}) only while the control plane names it: once
     * it names another version or digest — a fixed release, an emergency rollback, the version the node runs — the
     * record is forgotten, so that a restarted agent does not count the old failure again. An answer without a
     * release changes nothing.
     */
    private void forgetFailureNotNamed(ControlPlane.VersionAnswer answer) {
        if (answer.versionString() == null) {
            return;
        }
        var failed = updater.failed().orElse(null);
        if (failed == null || failed.versionString().equals(answer.versionString()) && (answer.imageDigest() == null
                || failed.imageDigest().equalsIgnoreCase(answer.imageDigest()))) {
            return;
        }
        if (updater.forgetFailed()) {
            log.info("The failed update to {} ({}) is forgotten: the control plane names {} now",
                    failed.versionString(), failed.outcome(), answer.versionString());
        }
        metrics.failureRecorded(false);
    }

    /** Why the update may not start now (the operator lock, the maintenance window), or null when it may. */
    private @Nullable CheckResult heldBack(ControlPlane.VersionAnswer answer, boolean emergency) {
        var lock = OperatorLock.of(config.lockFile());
        if (lock.holdsUpdates()) { // fails closed: a lock that may exist holds
            if (lock.state() == OperatorLock.State.HELD) {
                log.warn("{} ({}) waits: the operator lock {} exists{}", answer.versionString(),
                        answer.updatePriority(), lock.file(), emergency ? " (an emergency rollback: delete the lock "
                                + "to let it run)" : "");
            } else {
                log.warn("{} ({}) waits: the operator lock {} cannot be checked ({}; held until it can be, check "
                        + "the path's permissions)", answer.versionString(), answer.updatePriority(), lock.file(),
                        lock.problem());
            }
            return CheckResult.HELD_BY_LOCK;
        }
        var window = config.maintenanceWindow();
        if (!emergency && window != null && !window.contains(LocalTime.ofInstant(clock.instant(), ZoneOffset.UTC))) {
            log.info("{} waits for the maintenance window {}-{} UTC", answer.versionString(), window.from(),
                    window.to());
            return CheckResult.OUTSIDE_WINDOW;
        }
        return null;
    }

    private enum ChainAnswer { AGREES, AGREED_AFTER_WAITING, DISAGREES }

    /**
     * Whether the target may start as far as its place on the VersionBeacon goes. The control plane may only ask for
     * the tier's current version on-chain: the latest published, or the one an emergency rollback went back to. A
     * target older than that is a rollback the chain has not recorded yet (the control plane applies an automatic
     * rollback at once and sends it to the chain) — or a control plane that asks for an old release it should not:
     * the check waits up to {@code chain-wait} for the chain to agree, reading only the tier's current version id, at
     * growing, jittered intervals (a fleet told at once must not flood a shared RPC endpoint; an RPC error is waited
     * out too), and otherwise starts nothing. A target that is not published, has another digest or is withdrawn
     * starts and is refused, and reported, by the update's VERIFYING step.
     */
    private ChainAnswer onChainCurrent(UpdateTarget target) throws IOException, InterruptedException {
        var onChain = updater.onChain(target.versionString()).orElse(null);
        if (onChain == null || onChain.versionId() >= onChain.currentVersionId()) {
            return ChainAnswer.AGREES;
        }
        var deadline = System.nanoTime() + config.chainWait().toNanos();
        long pause = CHAIN_POLL_FIRST.toMillis();
        long current = onChain.currentVersionId();
        String problem = null;
        while (System.nanoTime() - deadline < 0) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            Thread.sleep(Math.max(1, Math.min(left, pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1))));
            pause = Math.min(pause * 2, CHAIN_POLL_MAX.toMillis());
            try {
                current = updater.currentVersionId();
                problem = null;
            } catch (IOException e) {
                problem = Problems.describe(e); // waited out like a chain that has not agreed yet
                continue;
            }
            if (onChain.versionId() == current) {
                return ChainAnswer.AGREED_AFTER_WAITING;
            }
        }
        log.warn("{} is not started: it is version #{} of {} on the VersionBeacon, whose current version is #{} "
                + "(the control plane asks for an older release than the chain records; a rollback the chain has not "
                + "recorded yet?){}. Checked again at the next check", target.versionString(), onChain.versionId(),
                config.tier(), current, problem == null ? "" : "; the chain's last answer: " + problem);
        return ChainAnswer.DISAGREES;
    }

    /** The first pause of a check waiting for the chain to record a rollback (jittered), doubled up to the maximum. */
    private static final java.time.Duration CHAIN_POLL_FIRST = java.time.Duration.ofSeconds(2);
    private static final java.time.Duration CHAIN_POLL_MAX = java.time.Duration.ofSeconds(30);

    /**
     * Whether the node container already runs the target's image (by digest) though its version says otherwise: an
     * image labelled {@code v1.5.0} (or not at all) for the release {@code 1.5.0}. Swapping the container for the same
     * image would not change the label, so the node would be told to update, and restart, at every check. Instead the
     * release is recorded for the image and reported from now on ({@link RunningRelease}).
     */
    private boolean runsAlready(UpdateTarget target, @Nullable String current) {
        var container = containers.inspect(config.container());
        if (container.isEmpty() || container.get().getImageId() == null) {
            return false;
        }
        var imageId = container.get().getImageId();
        var suffix = "@" + target.imageDigest();
        if (containers.repoDigests(imageId).stream().noneMatch(d -> d.endsWith(suffix))) {
            return false;
        }
        // The release's name for this image comes from the control plane: taken only when the VersionBeacon records
        // that digest for that version of the tier. Otherwise the update path runs, and its check against the chain
        // refuses the pairing (reported FAILED); the node's reported version stays its own label.
        try {
            var recorded = updater.onChain(target.versionString()).orElse(null);
            if (recorded == null || !recorded.imageDigest().equalsIgnoreCase(target.imageDigest())) {
                return false;
            }
        } catch (IOException e) {
            log.warn("The node container already runs {}, but the VersionBeacon cannot confirm it is {} now ({}); "
                    + "asked again at the next check", target.imageDigest(), target.versionString(),
                    Problems.describe(e));
            return true; // nothing to change on the node now; not recorded until the chain confirms it
        }
        log.warn("The node container already runs {} ({}), but its image's version label says {}: reporting {} for "
                + "this image from now on. Label the image org.opencontainers.image.version={} to match the release",
                target.versionString(), target.imageDigest(), current == null ? "nothing" : current,
                target.versionString(), target.versionString());
        try {
            new RunningRelease(imageId, target.versionString()).save(config.stateDir());
        } catch (IOException e) {
            log.warn("Could not record the running release ({}); the next check finds it again",
                    Problems.describe(e));
        }
        metrics.runningVersion(target.versionString());
        saveStatus(target.versionString());
        return true;
    }

    /**
     * Samples, buffers and delivers health; returns how many reports were delivered. When the sample cannot be
     * buffered (a full or read-only disk), what is buffered is still delivered and the sample after it, from memory.
     */
    public int reportHealth() {
        Map<String, Object> unbuffered = null;
        try {
            var container = containers.inspect(config.container()); // once per report: the sample's one source
            var running = container.map(this::releaseOf).orElse(null);
            var report = sample(container, running);
            try {
                buffer.add(report);
            } catch (IOException e) {
                log.warn("Health report not buffered ({}); sending it without buffering", Problems.describe(e));
                unbuffered = report;
            }
            int sent = unbuffered == null ? buffer.drain(this::deliver) : buffer.drain(this::deliver, unbuffered);
            lastReport = clock.instant();
            metrics.reported(lastReport);
            saveStatus(running);
            return sent;
        } catch (IOException e) {
            if (unbuffered == null) {
                log.warn("Health report buffered, not delivered: {}", Problems.describe(e));
            } else {
                log.warn("Health report neither buffered nor delivered (lost): {}", Problems.describe(e));
            }
            return 0;
        } catch (RuntimeException e) { // Docker unreachable: no sample this time; the schedule must go on
            log.warn("Health sample not taken: {}", Problems.describe(e));
            return 0;
        } finally {
            try {
                metrics.buffer(buffer.size(), buffer.dropped(), buffer.refused());
            } catch (IOException | RuntimeException e) {
                log.warn("Health buffer unreadable: {}", Problems.describe(e));
            }
        }
    }

    /**
     * One batch to the control plane. A 400 (invalid reports; the answer names them by position) or a 413 (too large
     * as a whole) refuses it as it is: the buffer then drops what was refused and delivers the rest.
     */
    private void deliver(java.util.List<Map<String, Object>> batch) throws IOException {
        try {
            controlPlane.reportHealth(batch);
        } catch (ControlPlane.ApiException e) {
            if (e.status() == 400 || e.status() == 413) {
                throw new HealthBuffer.Refused(e.getMessage(), e.status() == 400 ? e.indices()
                        : java.util.Collections.emptySortedSet());
            }
            throw e;
        }
    }

    /** Both periodic jobs write it, each on its own thread. */
    private synchronized void saveStatus(@Nullable String running) {
        lastRunning = running;
        try {
            new AgentStatus(lastCheck, lastReport, running, checkedAt,
                    lastStatusResult, lastError, lastTarget).save(config.stateDir());
        } catch (IOException | RuntimeException e) {
            log.warn("Could not write the status file for noderr-agent status: {}", Problems.describe(e));
        }
    }

    public @Nullable Instant lastCheck() {
        return lastCheck;
    }

    public @Nullable Instant lastReport() {
        return lastReport;
    }

    /**
     * The version the node container runs: the release recorded for its image when its label differs
     * ({@link RunningRelease}), else its image labels; null when it is not there.
     */
    public @Nullable String runningVersion() {
        return containers.inspect(config.container()).map(this::releaseOf).orElse(null);
    }

    private @Nullable String releaseOf(InspectContainerResponse c) {
        var imageId = c.getImageId();
        var recorded = imageId == null ? Optional.<String>empty() : RunningRelease.versionOf(config.stateDir(), imageId);
        return recorded.orElseGet(() -> versionOf(c));
    }

    /**
     * The version a container runs, from its image labels (the first of {@link #VERSION_LABELS} that is not blank),
     * cut to the control plane's {@value #MAX_VERSION_LENGTH} characters; null when no label gives one.
     */
    public static @Nullable String versionOf(InspectContainerResponse c) {
        var labels = c.getConfig().getLabels();
        if (labels == null) {
            return null;
        }
        for (var key : VERSION_LABELS) {
            var value = labels.get(key);
            if (value != null && !value.isBlank()) {
                var version = value.strip();
                return version.length() > MAX_VERSION_LENGTH ? version.substring(0, MAX_VERSION_LENGTH) : version;
            }
        }
        return null;
    }

    private Map<String, Object> sample(Optional<InspectContainerResponse> container, @Nullable String version) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long uptime = container.map(c -> c.getState().getStartedAt())
                .filter(s -> s != null && !s.startsWith("0001"))
                .map(s -> Duration.between(Instant.parse(s), clock.instant()).toSeconds())
                .orElse(0L);
        var health = NodeContainers.healthOf(container);
        double cpu = Math.max(0, os.getCpuLoad()) * 100;
        double memory = HostMemory.percentUsed();
        var root = new java.io.File("/");
        double disk = root.getTotalSpace() == 0 ? 0 : 100.0 * (root.getTotalSpace() - root.getUsableSpace())
                / root.getTotalSpace();
        int errors = switch (health) {
            case HEALTHY, STARTING -> 0;
            case UNHEALTHY -> 1;
            case NOT_RUNNING -> 10; // the node is down: unhealthy for the control plane
        };
        var metrics = new LinkedHashMap<String, Object>();
        metrics.put("uptime", Math.max(0, uptime));
        metrics.put("cpu", round(cpu));
        metrics.put("memory", round(memory));
        metrics.put("disk", round(disk));
        metrics.put("errors", errors);
        var report = new LinkedHashMap<String, Object>();
        report.put("nodeId", config.nodeId());
        report.put("version", version == null ? UNKNOWN_VERSION : version);
        report.put("metrics", metrics);
        report.put("timestamp", clock.instant().toString());
        return report;
    }

    private static double round(double value) {
        return Math.min(100, Math.round(value * 10) / 10.0);
    }
}
