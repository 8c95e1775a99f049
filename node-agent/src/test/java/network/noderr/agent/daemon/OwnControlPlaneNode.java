package network.noderr.agent.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.TestDocker;
import network.noderr.agent.docker.NodeContainers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * For tests of one ORACLE node against a control plane of its own (its packaged jar, embedded PostgreSQL and chain,
 * so that the tier's releases start from nothing), the real Docker engine and registry. The rollout reconciler runs
 * once at start-up only (it would roll the tier back by itself every 10 s once a node reports a failed update), so
 * that each test decides when an emergency comes.
 */
abstract class OwnControlPlaneNode {

    static final String NODE = "own-control-plane-node";

    @TempDir
    static Path dir;

    static TestControlPlane controlPlane;
    static NodeContainers containers;

    @BeforeAll
    static void startOwnControlPlane() throws Exception {
        controlPlane = TestControlPlane.start(Map.of("NODERR_ROLLOUTS_RECONCILE_INTERVAL", "PT1H"));
        containers = new NodeContainers(TestDocker.dockerHost());
    }

    @AfterAll
    static void stopOwnControlPlane() throws Exception {
        if (containers != null) {
            containers.remove(NODE);
            containers.remove(NODE + "-previous");
            containers.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    /** When the node container last started. */
    static String startedAt() {
        return containers.inspect(NODE).orElseThrow().getState().getStartedAt();
    }

    /** Pulls {@code image} by digest and runs it as the node container (with an init process). */
    static void startNode(TestDocker.Image image) throws Exception {
        containers.client().pullImageCmd(image.repository()).withTag(image.digest())
                .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>()).awaitCompletion();
        containers.client().createContainerCmd(image.pinned()).withName(NODE)
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig().withInit(true)).exec();
        containers.start(NODE);
    }

    /** Registers an ORACLE node (its key in {@code dir}); returns its node id. */
    static String registerNode(String operator) throws Exception {
        return controlPlane.registerNode(controlPlane.installToken("ORACLE", operator), "ORACLE",
                dir.resolve("node-key.pem"), NODE + "-host");
    }

    /** The agent's configuration for the node: short health window, metrics off, the chain read directly. */
    static Path writeConfig(String nodeId) throws Exception {
        var beacon = controlPlane.get("/api/v1/admin/beacon");
        var file = dir.resolve("agent.properties");
        Files.writeString(file, String.join("\n",
                "control-plane-url=" + controlPlane.base(),
                "node-id=" + nodeId,
                "tier=ORACLE",
                "key-type=SOFTWARE",
                "key-path=" + dir.resolve("node-key.pem"),
                "state-dir=" + dir.resolve("state"),
                "docker-host=" + TestDocker.dockerHost(),
                "container=" + NODE,
                "health-window=PT2S",
                "rollback-timeout=PT20S",
                "beacon-rpc-url=" + beacon.get("rpcUrl").asText(),
                "beacon-address=" + beacon.get("contractAddress").asText(),
                "metrics-port=0") + "\n");
        return file;
    }
}
