package network.noderr.agent;

import java.time.Instant;
import java.util.concurrent.Callable;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.daemon.AgentStatus;
import network.noderr.agent.daemon.OperatorLock;
import network.noderr.agent.docker.NodeContainers;
import network.noderr.agent.update.StateStore;
import network.noderr.agent.update.UpdateOutcome;
import network.noderr.agent.update.UpdateRecord;
import network.noderr.agent.update.UpdateState;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;

/**
 * {@code noderr-agent status}: the running and previous version, the update state on disk, the target whose update
 * failed (not started again automatically), the last target the daemon heard and whether the control plane moves the
 * node there, the daemon's last check (its outcome or error, and when the control plane last answered) and last health
 * report, the operator lock, and what holds an update back. Reads files and asks Docker; changes nothing.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the node's versions and update state.")
final class StatusCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        var cfg = config.load();
        if (cfg == null) {
            return 2;
        }
        var store = new StateStore(cfg.stateDir(), cfg.container());
        var record = store.load();
        var daemon = AgentStatus.load(cfg.stateDir()).orElse(null);
        System.out.printf("node:         %s (%s)%n", cfg.nodeId(), cfg.tier());
        System.out.printf("running:      %s%n", running(cfg, daemon));
        System.out.printf("previous:     %s%n", previous(store, record));
        System.out.printf("update:       %s%s%n", record.state(), record.target() == null ? ""
                : " → " + record.target().versionString() + " (" + record.target().pinned() + ")");
        if (record.outcome() != null) {
            System.out.printf("outcome:      %s%s%n", record.outcome(), record.reason() == null ? ""
                    : " — " + record.reason());
        }
        var failed = store.failed().orElse(null);
        System.out.printf("failed:       %s%n", failed == null ? "none" : failed.versionString() + " ("
                + failed.imageDigest() + ") " + failed.outcome() + " at " + failed.failedAt()
                + (failed.reason() == null ? "" : " — " + failed.reason())
                + "; not started again until the control plane names another version or digest, or noderr-agent retry");
        var now = Instant.now();
        var target = daemon == null ? null : daemon.target();
        System.out.printf("target:       %s%n", target(target, daemon == null ? null : daemon.runningVersion(), cfg));
        System.out.printf("last check:   %s%n", lastCheck(daemon, record, now, cfg));
        if (daemon != null && "FAILED".equals(daemon.result())) {
            System.out.printf("last answer:  %s%n", daemon.lastCheck() == null
                    ? "none: the control plane has not answered this daemon's version query yet"
                    : daemon.lastCheck() + " (" + ago(daemon.lastCheck(), now) + "): the control plane's last answer "
                            + "to the version query");
        }
        System.out.printf("last report:  %s%n", daemon == null ? neverRan(cfg) : daemon.lastReport() == null
                ? "none delivered yet: the daemon's health reports have not reached the control plane (its log says "
                        + "why: " + log(cfg) + ")"
                : daemon.lastReport() + " (" + ago(daemon.lastReport(), now) + ")");
        var lock = OperatorLock.of(cfg.lockFile());
        System.out.printf("lock:         %s%n", switch (lock.state()) {
            case HELD -> "held (" + lock.file() + "): no update starts until it is deleted";
            case FREE -> "none";
            case UNKNOWN -> "cannot be checked (" + lock.file() + ": " + lock.problem() + "): the agent starts no "
                    + "update until it can tell whether the lock exists; check the path's permissions";
        });
        System.out.printf("held back:    %s%n", record.state() != UpdateState.IDLE ? inProgress(record)
                : heldBack(daemon, lock, failed, cfg));
        return 0;
    }

    /**
     * The version before the running one. Once an update has put its new container in the old one's place (from
     * {@code SWAPPING} until it commits, and while its success is reported) that is the version the update replaces;
     * {@code previous-version.json} names it only after the update succeeded and still names the version before that
     * one (after a rollback, the very version the update goes to). Otherwise the version the last successful update
     * replaced.
     */
    private static String previous(StateStore store, UpdateRecord record) {
        var replaced = switch (record.state()) {
            case SWAPPING, HEALTH_WINDOW, COMMITTING -> true;
            case REPORTING -> record.outcome() == UpdateOutcome.SUCCEEDED;
            default -> false;
        };
        if (!replaced) {
            return store.previous().map(p -> p.version() + " (replaced " + p.replacedAt() + ")")
                    .orElse("none recorded");
        }
        var update = "the update to " + (record.target() == null ? "?" : record.target().versionString());
        if (record.firstContainer()) {
            return "none (" + update + " creates the node's first container)";
        }
        var version = record.fromVersion() == null ? "unknown version" : record.fromVersion();
        return version + switch (record.state()) {
            case COMMITTING -> " (replaced by " + update + ", which commits now)";
            case REPORTING -> " (replaced by " + update + ", which is being reported)";
            default -> " (kept stopped as " + record.previousContainer() + " until " + update + " commits)";
        };
    }

    /** The last target the control plane named, and whether it moves this node there. */
    private static String target(AgentStatus.@Nullable Target target, @Nullable String running, AgentConfig cfg) {
        if (target == null) {
            return "not known yet (no answer to the daemon's version query)";
        }
        if (target.version() == null) {
            return "none: no version is published for " + cfg.tier();
        }
        var named = target.version() + " (" + target.imageDigest() + ", priority " + target.priority() + ")";
        if (target.version().equals(running)) {
            return named + ": the node runs it";
        }
        return named + (target.shouldUpdate() ? ": the control plane moves this node to it"
                : ": the control plane does not move this node to it now (the rollout is paused, or this node's "
                        + "cohort has not had its turn)");
    }

    /**
     * When the daemon last checked, how long ago, and how it ended. An update on disk that is not idle is what goes on
     * now, whatever that check found before it started (a pushed check or {@code rollback} may have started it).
     */
    private static String lastCheck(@Nullable AgentStatus daemon, UpdateRecord record, Instant now, AgentConfig cfg) {
        if (daemon == null) {
            return neverRan(cfg);
        }
        if (daemon.checkedAt() == null && daemon.lastCheck() == null) {
            return "not yet: the daemon's first check comes at most `jitter` after it starts";
        }
        if (daemon.checkedAt() == null) { // written by an older daemon: only when the control plane answered
            return daemon.lastCheck() + " (" + ago(daemon.lastCheck(), now) + ")";
        }
        var at = daemon.checkedAt() + " (" + ago(daemon.checkedAt(), now) + ")";
        var updating = record.target() == null ? "an update" : "the update to " + record.target().versionString();
        if (record.state() != UpdateState.IDLE && !"FAILED".equals(daemon.result())
                && !"RESUMED".equals(daemon.result())) {
            return at + (AgentStatus.UPDATING.equals(daemon.result()) ? ": started " + updating
                    : ": " + updating + " has started since") + "; it is in progress (update: " + record.state() + ")";
        }
        var target = daemon.target();
        var named = target == null || target.version() == null ? "the target" : target.version();
        var result = daemon.result() == null ? "" : switch (daemon.result()) {
            case "UP_TO_DATE" -> ": up to date";
            case AgentStatus.NOT_MOVED_NOW -> ": waits: the control plane does not move this node to " + named
                    + " yet (its cohort's turn has not come or the rollout is paused)"
                    + (daemon.runningVersion() == null ? "; no container yet" : "");
            case AgentStatus.NO_RELEASE -> daemon.runningVersion() == null
                    ? ": no container yet and no release named for it"
                    : ": no release is named for this node's tier; it keeps running " + daemon.runningVersion();
            case AgentStatus.UPDATING -> ": started " + updating + " (see update and outcome)";
            case "UPDATED" -> ": updated";
            case "RESUMED" -> ": an update is in progress or waits to be retried (see update)";
            case "UPDATE_FAILED" -> ": the update failed (see failed)";
            case "HELD_BY_LOCK" -> ": the update waits for the operator lock";
            case "OUTSIDE_WINDOW" -> ": the update waits for the maintenance window";
            case "AUTO_UPDATE_OFF" -> ": an update is available, but auto-update is off";
            case "HELD_FAILED_TARGET" -> ": the target is the one whose update failed here (see failed)";
            case "WAITING_FOR_CHAIN" -> ": the target waits for the VersionBeacon to record it (a rollback the "
                    + "chain has not recorded yet)";
            case "FAILED" -> ": FAILED — " + (daemon.error() == null ? "see the agent's log" : daemon.error());
            default -> ": " + daemon.result();
        };
        return at + result;
    }

    /** {@code held back:} while an update is on disk: nothing holds it, it is under way at its step. */
    private static String inProgress(UpdateRecord record) {
        var what = "the update to " + (record.target() == null ? "?" : record.target().versionString());
        return "nothing: " + switch (record.state()) {
            case ROLLING_BACK -> what + " failed and is being rolled back (step ROLLING_BACK)";
            case REPORTING -> what + " ended " + record.outcome() + " and is being reported to the control plane "
                    + "(step REPORTING)";
            default -> what + " is in progress (step " + record.state() + "; a step that failed for a passing "
                    + "reason, e.g. the registry unreachable, is tried again at the daemon's next check)";
        };
    }

    /** What keeps the node from moving to a target the control plane asks for, or "nothing". */
    private static String heldBack(@Nullable AgentStatus daemon, OperatorLock lock,
            StateStore.@Nullable FailedTarget failed, AgentConfig cfg) {
        var target = daemon == null ? null : daemon.target();
        if (target == null || target.version() == null || !target.shouldUpdate()
                || target.version().equals(daemon.runningVersion())) {
            return "nothing: the control plane asks for no update";
        }
        var what = ("emergency".equals(target.priority()) ? "the emergency rollback to " : "the update to ")
                + target.version();
        var reasons = new java.util.ArrayList<String>();
        if (failed != null && failed.versionString().equals(target.version())
                && failed.imageDigest().equals(target.imageDigest())) {
            reasons.add(what + " is the update that failed here (" + failed.outcome() + "): not started again "
                    + "until noderr-agent retry, or the control plane names another version or digest");
        }
        if (!cfg.autoUpdate()) {
            reasons.add(what + " is not started: auto-update is off");
        }
        switch (lock.state()) {
            case HELD -> reasons.add(what + " waits for the operator lock " + lock.file() + ": delete it to let "
                    + "it run");
            case UNKNOWN -> reasons.add(what + " waits: the operator lock " + lock.file() + " cannot be checked");
            case FREE -> { }
        }
        if ("OUTSIDE_WINDOW".equals(daemon.result())) {
            var window = cfg.maintenanceWindow();
            reasons.add(what + " waits for the maintenance window" + (window == null ? ""
                    : " " + window.from() + "-" + window.to() + " UTC"));
        }
        if ("WAITING_FOR_CHAIN".equals(daemon.result())) {
            reasons.add(what + " waits for the VersionBeacon to record it");
        }
        return reasons.isEmpty() ? "nothing: " + what + " starts at the daemon's next check"
                : String.join("\n              ", reasons);
    }

    /** "42 s ago", "5 min ago", "3 h 10 min ago", "2 days ago". */
    static String ago(Instant then, Instant now) {
        var d = java.time.Duration.between(then, now);
        if (d.isNegative()) {
            return "in the future: check the clocks";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return s + " s ago";
        }
        if (s < 3600) {
            return s / 60 + " min ago";
        }
        if (s < 48 * 3600) {
            return s / 3600 + " h " + (s % 3600) / 60 + " min ago";
        }
        return s / 86400 + " days ago";
    }

    /** From Docker when this user may ask it; otherwise what the daemon saw last. */
    private static String running(AgentConfig cfg, @Nullable AgentStatus daemon) {
        try (var containers = new NodeContainers(cfg.dockerHost())) {
            var container = containers.inspect(cfg.container());
            if (container.isEmpty()) {
                return "no container " + cfg.container();
            }
            var version = network.noderr.agent.daemon.Daemon.versionOf(container.get());
            return (version == null ? "unknown version" : version) + " (container " + cfg.container() + ", "
                    + container.get().getState().getStatus() + ")";
        } catch (Exception e) {
            return (daemon == null || daemon.runningVersion() == null ? "unknown" : daemon.runningVersion())
                    + " (as the daemon last saw it; " + (e instanceof NodeContainers.Unreachable ? ""
                    : "Docker at " + cfg.dockerHost() + " did not answer: ") + network.noderr.agent.Problems.describe(e)
                    + ")";
        }
    }

    /** Before the daemon wrote its first status (after its first check, within {@code jitter} of its start). */
    private static String neverRan(AgentConfig cfg) {
        return "never: no status from the daemon yet (it writes one after its first check, at most `jitter` after it "
                + "starts; is it running? " + (cfg.service() == null ? "This install has no service (service=none): "
                + "start the daemon with noderr-agent run" : "systemctl status " + cfg.service()) + ")";
    }

    /**
     * Where the daemon's log is: the journal of its unit, or, without a service (a sandbox install), the output of the
     * {@code noderr-agent run} its operator started.
     */
    private static String log(AgentConfig cfg) {
        return cfg.service() == null ? "the output of noderr-agent run" : "journalctl -u " + cfg.service();
    }
}
