package network.noderr.agent;

import java.time.Instant;
import java.util.concurrent.Callable;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.daemon.AgentStatus;
import network.noderr.agent.daemon.OperatorLock;
import network.noderr.agent.docker.NodeContainers;
import network.noderr.agent.update.StateStore;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;

/**
 * {@code noderr-agent status}: the running and previous version, the update state on disk, the target whose update
 * failed (not started again automatically), the daemon's last check and last health report, and the operator lock.
 * Reads files and asks Docker; changes nothing.
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
        System.out.printf("previous:     %s%n", store.previous().map(p -> p.version() + " (replaced "
                + p.replacedAt() + ")").orElse("none recorded"));
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
        System.out.printf("last check:   %s%n", when(daemon == null ? null : daemon.lastCheck()));
        System.out.printf("last report:  %s%n", when(daemon == null ? null : daemon.lastReport()));
        var lock = OperatorLock.of(cfg.lockFile());
        System.out.printf("lock:         %s%n", switch (lock.state()) {
            case HELD -> "held (" + lock.file() + "): no update starts until it is deleted";
            case FREE -> "none";
            case UNKNOWN -> "cannot be checked (" + lock.file() + ": " + lock.problem() + "): the agent starts no "
                    + "update until it can tell whether the lock exists; check the path's permissions";
        });
        return 0;
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
                    + " (as the daemon last saw it; Docker at " + cfg.dockerHost() + " did not answer: "
                    + rootMessage(e) + ")";
        }
    }

    /** The innermost cause's message: "No such file or directory", not the client library's wrapper of it. */
    private static String rootMessage(Throwable e) {
        var root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String when(@Nullable Instant instant) {
        return instant == null ? "never (is the daemon running?)" : instant.toString();
    }
}
