package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NoderrAgentTest {

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var cli = NoderrAgent.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionPrintsTheBuiltVersion() {
        var run = run("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("noderr-agent 0.1.0-SNAPSHOT").doesNotContain("${project.version}");
    }

    @Test
    void helpDescribesTheCommandAndItsOptions() {
        var run = run("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: noderr-agent").contains("--version").contains("--help");
    }

    @Test
    void unknownOptionIsAUsageErrorWithAMessage() {
        var run = run("--frobnicate");
        assertThat(run.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err()).contains("Unknown option: '--frobnicate'");
    }

    @Test
    void parsesWithoutRunningAnything() {
        var parsed = NoderrAgent.commandLine().parseArgs("--help");
        assertThat(parsed.isUsageHelpRequested()).isTrue();
    }

    @Test
    void withoutASubcommandItShowsUsageAndFails() {
        var run = run();
        assertThat(run.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.out()).contains("Usage: noderr-agent");
    }
}
