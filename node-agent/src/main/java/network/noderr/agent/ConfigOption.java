package network.noderr.agent;

import java.nio.file.Path;
import network.noderr.agent.api.Shared;
import network.noderr.agent.config.AgentConfig;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The {@code --config} option every node command shares, and loading it with a clear message on errors. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, defaultValue = "/etc/noderr/agent.properties",
            description = "agent.properties (default: ${DEFAULT-VALUE}); NODERR_AGENT_* variables override it")
    Path config;

    /** The configuration, or null after printing every problem (the command then exits with 2). */
    @Nullable AgentConfig load() {
        AgentConfig loaded;
        try {
            loaded = AgentConfig.load(config, System.getenv());
        } catch (AgentConfig.InvalidConfigException e) {
            System.err.println(e.getMessage());
            return null;
        }
        if (loaded.caFile() != null) {
            try {
                Shared.trustAlso(loaded.caFile());
            } catch (java.io.IOException | java.security.GeneralSecurityException e) {
                System.err.println("invalid configuration (" + config + "):\n  ca-file: " + e.getMessage());
                return null;
            }
        }
        return loaded;
    }
}
