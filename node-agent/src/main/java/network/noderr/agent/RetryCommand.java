package network.noderr.agent;

import java.util.concurrent.Callable;
import network.noderr.agent.daemon.OperatorLock;
import network.noderr.agent.update.StateStore;
import picocli.CommandLine.Command;

/**
 * {@code noderr-agent retry}: forgets the target whose update failed on this node, so that the daemon starts it again
 * at its next check if the control plane still names it. The daemon never retries a failed target by itself (each
 * attempt takes the node's service down for the health window); this command is the operator's explicit "try again".
 */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Let the agent try the update that failed on this node again (at its next check).")
final class RetryCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        var cfg = config.load();
        if (cfg == null) {
            return 2;
        }
        var store = new StateStore(cfg.stateDir(), cfg.container());
        try {
            var failed = store.failed().orElse(null);
            if (failed == null) {
                System.out.println("No failed update is recorded: the agent follows the control plane. Nothing "
                        + "changed.");
                return 0;
            }
            store.clearFailed();
            System.out.printf("Forgot the failed update to %s (%s, %s at %s). The agent starts it again at its next "
                    + "check if the control plane still names it%s. If it failed because of a setting you have "
                    + "changed since, restart the agent first: it keeps the settings it started with.%n",
                    failed.versionString(), failed.imageDigest(), failed.outcome(), failed.failedAt(),
                    lockNote(OperatorLock.of(cfg.lockFile())));
            return 0;
        } catch (java.io.UncheckedIOException e) {
            System.err.println("Retry failed: " + Problems.describe(e) + ". Nothing changed.");
            return 1;
        }
    }

    private static String lockNote(OperatorLock lock) {
        return switch (lock.state()) {
            case HELD -> ", once the operator lock " + lock.file() + " is deleted";
            case FREE -> "";
            case UNKNOWN -> ", once it can check the operator lock " + lock.file() + " (it cannot now: "
                    + lock.problem() + "; check the path's permissions)";
        };
    }
}
