package network.noderr.agent;

import picocli.CommandLine;

/** Gives tests in other packages the agent's configured command line. */
public final class NoderrAgentTestAccess {

    private NoderrAgentTestAccess() {}

    public static CommandLine commandLine() {
        return NoderrAgent.commandLine();
    }
}
