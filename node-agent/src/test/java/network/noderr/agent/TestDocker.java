package network.noderr.agent;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.PushResponseItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import network.noderr.agent.docker.NodeContainers;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * A real Docker engine and a real registry for the whole test JVM (ENVIRONMENT.md): dockerd with its own data and
 * socket under a temporary directory and without touching the host's iptables, the Debian registry on a free
 * loopback port, and node images built from busybox and pushed, so that they can be pulled by digest.
 *
 * <p>Images, built in this order: {@code v1} and {@code v2} (healthy), {@code bad} (its HEALTHCHECK fails), {@code v4}
 * (healthy).
 */
public class TestDocker implements LauncherSessionListener {

    /** A pushed test image: {@code repository@digest} pulls exactly it. */
    public record Image(String version, String repository, String digest) {
        public String pinned() {
            return repository + "@" + digest;
        }

        public String tagged() {
            return repository + ":" + version;
        }
    }

    private static Path dir;
    private static Process dockerd;
    private static Process registry;
    private static String host;
    private static String registryAddress;
    private static final Map<String, Image> IMAGES = new LinkedHashMap<>();

    public static String dockerHost() {
        return host;
    }

    public static Image image(String name) {
        return IMAGES.get(name);
    }

    public static String registry() {
        return registryAddress;
    }

    @Override
    public synchronized void launcherSessionOpened(LauncherSession session) {
        if (dockerd != null) {
            return;
        }
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "ndd");
            host = "unix://" + dir.resolve("docker.sock");
            dockerd = new ProcessBuilder(List.of("dockerd", "--storage-driver=overlay2", "--iptables=false",
                            "--ip-forward=false", "--ip-masq=false", "--data-root=" + dir.resolve("data"),
                            "--exec-root=" + dir.resolve("exec"), "--pidfile=" + dir.resolve("dockerd.pid"),
                            "-H", host))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dockerd.log").toFile())
                    .start();
            int port;
            try (var socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            registryAddress = "127.0.0.1:" + port;
            Files.writeString(dir.resolve("registry.yml"), """
                    version: 0.1
                    storage:
                      filesystem:
                        rootdirectory: %s
                    http:
                      addr: %s
                    """.formatted(dir.resolve("registry"), registryAddress));
            registry = startRegistryProcess();
            try (var containers = new NodeContainers(host)) {
                awaitDocker(containers);
                buildAndPush(containers);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start dockerd + registry (needs root and the docker.io, "
                    + "docker-registry and busybox-static packages; ./test installs them). Logs in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Process startRegistryProcess() throws IOException {
        return new ProcessBuilder("docker-registry", "serve", dir.resolve("registry.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()))
                .start();
    }

    /** Stops the registry (for outage tests); {@link #startRegistry()} brings it back with the same images. */
    public static synchronized void stopRegistry() {
        stop(registry);
        registry = null;
    }

    public static synchronized void startRegistry() throws IOException, InterruptedException {
        if (registry != null) {
            return;
        }
        registry = startRegistryProcess();
        var port = Integer.parseInt(registryAddress.substring(registryAddress.indexOf(':') + 1));
        var deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the registry did not come back; see " + dir.resolve("registry.log"));
                }
                Thread.sleep(100);
            }
        }
    }

    private static void awaitDocker(NodeContainers containers) throws InterruptedException {
        var deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            try {
                containers.client().pingCmd().exec();
                return;
            } catch (RuntimeException e) {
                if (!dockerd.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("dockerd did not come up; see " + dir.resolve("dockerd.log"), e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static void buildAndPush(NodeContainers containers) throws IOException, InterruptedException {
        var context = dir.resolve("image");
        Files.createDirectories(context);
        try (var in = TestDocker.class.getResourceAsStream("/node-image/Dockerfile")) {
            Files.copy(in, context.resolve("Dockerfile"));
        }
        Files.copy(Path.of("/usr/bin/busybox"), context.resolve("busybox"));
        var docker = containers.client();
        var repository = registryAddress + "/noderr/test-node";
        for (var spec : List.of(List.of("v1", "1.0.0", "yes"), List.of("v2", "2.0.0", "yes"),
                List.of("bad", "3.0.0", "no"), List.of("v4", "4.0.0", "yes"))) {
            var tag = repository + ":" + spec.get(1);
            docker.buildImageCmd(context.toFile())
                    .withTags(Set.of(tag))
                    .withBuildArg("VERSION", spec.get(1))
                    .withBuildArg("HEALTHY", spec.get(2))
                    .exec(new BuildImageResultCallback())
                    .awaitImageId(120, TimeUnit.SECONDS);
            awaitPush(docker, repository, spec.get(1));
            var digests = docker.inspectImageCmd(tag).exec().getRepoDigests();
            var digest = digests.stream().filter(d -> d.startsWith(repository + "@")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no digest for " + tag + ": " + digests));
            IMAGES.put(spec.get(0), new Image(spec.get(1), repository, digest.substring(repository.length() + 1)));
        }
    }

    private static void awaitPush(com.github.dockerjava.api.DockerClient docker, String repository, String tag)
            throws InterruptedException {
        var deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) { // the registry may still be starting
            try {
                docker.pushImageCmd(repository).withTag(tag).exec(new ResultCallback.Adapter<PushResponseItem>())
                        .awaitCompletion(60, TimeUnit.SECONDS);
                return;
            } catch (RuntimeException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("push to " + repository + " failed; see "
                            + dir.resolve("registry.log"), e);
                }
                Thread.sleep(200);
            }
        }
    }

    @Override
    public synchronized void launcherSessionClosed(LauncherSession session) {
        stop(registry);
        stop(dockerd);
        registry = null;
        dockerd = null;
        try {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
