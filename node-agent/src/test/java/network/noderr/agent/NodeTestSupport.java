package network.noderr.agent;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.HostConfig;
import java.util.ArrayList;
import java.util.List;
import network.noderr.agent.docker.NodeContainers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * For tests of a whole node: the shared packaged control plane, the test Docker engine, and node containers started
 * from the test images, removed (with their "-previous" twin) after the class.
 */
public abstract class NodeTestSupport {

    protected static TestControlPlane controlPlane;
    protected static NodeContainers containers;
    private static final List<String> started = new ArrayList<>();

    @BeforeAll
    static void startNodeSupport() throws Exception {
        controlPlane = TestControlPlane.shared();
        containers = new NodeContainers(TestDocker.dockerHost());
    }

    @AfterAll
    static void stopNodeSupport() throws Exception {
        if (containers != null) {
            for (var name : started) {
                containers.remove(name);
                containers.remove(name + "-previous");
            }
            started.clear();
            containers.close();
        }
    }

    /** Pulls {@code image} by digest and runs it as the node container {@code name} (with an init process). */
    protected static String startNode(String name, TestDocker.Image image, String... env) throws Exception {
        return startNode(name, image, java.util.Map.of(), env);
    }

    /** As {@link #startNode(String, TestDocker.Image, String...)}, with container labels over the image's. */
    protected static String startNode(String name, TestDocker.Image image, java.util.Map<String, String> labels,
            String... env) throws Exception {
        containers.client().pullImageCmd(image.repository()).withTag(image.digest())
                .exec(new ResultCallback.Adapter<>()).awaitCompletion();
        containers.client().createContainerCmd(image.pinned()).withName(name).withEnv(env).withLabels(labels)
                .withHostConfig(HostConfig.newHostConfig().withInit(true)).exec();
        started.add(name);
        containers.start(name);
        return containers.inspect(name).orElseThrow().getId();
    }
}
