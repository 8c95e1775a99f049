package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import network.noderr.agent.NodeTestSupport;
import network.noderr.agent.TestDocker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code noderr-agent check} against the real control plane (its packaged jar, embedded PostgreSQL and chain) and the
 * real Docker engine: a registered node with a running container passes every check; with the control plane, the
 * chain and Docker out of reach, or a key the control plane does not know, it names each failure and exits 1.
 */
class CheckCommandTest extends NodeTestSupport {

    private static final String CONTAINER = "check-command-node";

    @TempDir
    static Path dir;

    static String nodeId;

    @BeforeAll
    static void registerAndStart() throws Exception {
        nodeId = controlPlane.registerNode(controlPlane.installToken("ORACLE", "Check Operator"), "ORACLE",
                dir.resolve("node-key.pem"), "check-host");
        startNode(CONTAINER, TestDocker.image("v1"));
    }

    /** The node's agent.properties, with {@code overrides} (key=value lines) after the rest. */
    private static Path config(String name, String... overrides) throws Exception {
        var beacon = controlPlane.get("/api/v1/admin/beacon");
        var lines = new java.util.ArrayList<>(java.util.List.of(
                "control-plane-url=" + controlPlane.base(),
                "node-id=" + nodeId,
                "tier=ORACLE",
                "key-type=SOFTWARE",
                "key-path=" + dir.resolve("node-key.pem"),
                "state-dir=" + dir.resolve("state-" + name),
                "docker-host=" + TestDocker.dockerHost(),
                "container=" + CONTAINER,
                "beacon-rpc-url=" + beacon.get("rpcUrl").asText(),
                "beacon-address=" + beacon.get("contractAddress").asText()));
        lines.addAll(java.util.List.of(overrides));
        var file = dir.resolve(name + ".properties");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static AgentEndToEndTest.Run check(Path config) {
        return AgentEndToEndTest.command("check", "", "--config", config.toString(), "--timeout", "PT10S");
    }

    @Test
    void aWorkingNodePassesEveryCheck() throws Exception {
        var run = check(config("working"));
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out())
                .contains("[ ok ] node key")
                .contains("[ ok ] control plane    logged in as " + nodeId)
                .contains("[ ok ] target")
                .contains("[ ok ] chain")
                .contains("[ ok ] docker")
                .contains("container " + CONTAINER + " running")
                .contains("version 1.0.0")
                .contains("[ ok ] push stream")
                .contains("[ ok ] state directory")
                .contains("[ ok ] operator lock")
                .contains("Everything the agent needs answered.")
                .doesNotContain("[FAIL]");
    }

    @Test
    void aHeldLockIsANoteNotAFailure() throws Exception {
        var file = config("locked");
        // The default lock, in the state directory (an explicit one may not be under /tmp, where the test runs).
        Files.createDirectories(dir.resolve("state-locked"));
        Files.writeString(dir.resolve("state-locked").resolve("update.lock"), "maintenance\n");
        var run = check(file);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("[note] operator lock").contains("no update starts");
    }

    /** A fresh node has no container yet: the agent creates it, so that is a note, not a failure. */
    @Test
    void aNodeWithoutItsContainerYetIsANoteNotAFailure() throws Exception {
        var run = check(config("fresh", "container=check-command-fresh-node"));
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out())
                .containsPattern("\\[note\\] docker +.*has no container check-command-fresh-node yet: the agent "
                        + "creates it from the first release")
                .doesNotContain("[FAIL]");
    }

    @Test
    void eachUnreachableDependencyIsNamedWithWhatItMeans() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort(); // nothing listens here once closed
        }
        var run = check(config("unreachable",
                "control-plane-url=http://127.0.0.1:" + closed,
                "beacon-rpc-url=http://127.0.0.1:" + closed,
                "docker-host=unix://" + dir.resolve("no-docker.sock")));
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.out())
                .contains("[ ok ] node key")
                .containsPattern("\\[FAIL\\] control plane +.*cannot connect.*check control-plane-url")
                .contains("[ -- ] target           needs the control plane")
                .containsPattern("\\[FAIL\\] chain +.*check beacon-rpc-url")
                .containsPattern("\\[FAIL\\] docker +.*check docker-host")
                .contains("[ -- ] push stream      needs the control plane")
                .contains("3 checks failed.");
    }

    @Test
    void aKeyTheControlPlaneDoesNotKnowIsRefusedAtLogin() throws Exception {
        var other = dir.resolve("other-key.pem");
        var generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        Files.writeString(other, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder()
                .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        var run = check(config("other-key", "key-path=" + other));
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).containsPattern("\\[FAIL\\] control plane +.*401.*signature");
    }

    @Test
    void aKeyFileThatCannotBeReadFailsTheKeyAndSkipsWhatNeedsIt() throws Exception {
        var run = check(config("no-key", "key-path=" + dir.resolve("missing-key.pem")));
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.out())
                .containsPattern("\\[FAIL\\] node key +.*missing-key.pem")
                .contains("[ -- ] control plane    needs the node key")
                .contains("[ ok ] docker");
    }
}
