package network.noderr.agent;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code noderr-agent status}: the update state on disk and the running version. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the node's update state.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, defaultValue = "/etc/noderr/agent.properties")
    Path config;

    @Override
    public Integer call() {
        AgentConfig cfg;
        try {
            cfg = AgentConfig.load(config, System.getenv());
        } catch (AgentConfig.InvalidConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        var record = new StateStore(cfg.stateDir(), cfg.container()).load();
        System.out.printf("node:      %s (%s)%n", cfg.nodeId(), cfg.tier());
        System.out.printf("update:    %s%s%n", record.state(), record.target() == null ? ""
                : " → " + record.target().versionString() + " (" + record.target().pinned() + ")");
        if (record.fromVersion() != null) {
            System.out.printf("previous:  %s%n", record.fromVersion());
        }
        if (record.outcome() != null) {
            System.out.printf("outcome:   %s%s%n", record.outcome(), record.reason() == null ? "" : " — " + record.reason());
        }
        System.out.printf("lock:      %s%n", java.nio.file.Files.exists(cfg.lockFile()) ? "held (" + cfg.lockFile() + ")"
                : "none");
        return 0;
    }
}
