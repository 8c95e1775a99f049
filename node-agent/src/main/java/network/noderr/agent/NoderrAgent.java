package network.noderr.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code noderr-agent} command: the daemon ({@code run}) and the operator commands ({@code register},
 * {@code status}, {@code rollback}, {@code retry}, {@code check}, {@code simulate}); this root command carries the shared options
 * ({@code --help}, {@code --version}).
 */
@Command(
        name = "noderr-agent",
        mixinStandardHelpOptions = true,
        versionProvider = NoderrAgent.Version.class,
        subcommands = {RunCommand.class, RegisterCommand.class, StatusCommand.class, RollbackCommand.class,
            RetryCommand.class, CheckCommand.class, SimulateCommand.class},
        description = "Keeps a Noderr node on the version its tier should run and reports its health.",
        footer = "%nDocumentation: docs/ in the Noderr repository.")
public final class NoderrAgent implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // No subcommand: show what there is instead of doing something surprising.
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        network.noderr.agent.logging.AgentLogs.configure(System.getenv()); // before the first logger exists
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    static CommandLine commandLine() {
        return new CommandLine(new NoderrAgent());
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            var properties = new Properties();
            try (InputStream in = NoderrAgent.class.getResourceAsStream("/noderr-agent.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {
                "noderr-agent " + properties.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
