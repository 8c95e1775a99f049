package network.noderr.agent.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The node's container on the local Docker engine (docker-java over the engine's socket): pull by digest, stop and
 * keep, create a successor with the same configuration, health, removal and image pruning. Every operation is
 * idempotent so that an update step can run again after a crash.
 */
public final class NodeContainers implements Closeable {

    /** Health as the update sees it: Docker's HEALTHCHECK status, or running/stopped without one. */
    public enum Health { STARTING, HEALTHY, UNHEALTHY, NOT_RUNNING }

    private final DockerClient docker;
    private final String dockerHost;

    /** Docker did not answer at all (no socket, no permission, no engine): not an answer of the engine's. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The label of a container the agent created as the node's first one (its value identifies the update); not
     * passed on to the containers that replace it.
     */
    public static final String CREATED_LABEL = "network.noderr.agent.created";

    public NodeContainers(String dockerHost) {
        this.dockerHost = dockerHost;
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
        var http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(10))
                .responseTimeout(Duration.ofMinutes(10))
                .build();
        this.docker = DockerClientImpl.getInstance(config, http);
    }

    public DockerClient client() {
        return docker;
    }

    public Optional<InspectContainerResponse> inspect(String name) {
        try {
            return Optional.of(docker.inspectContainerCmd(name).exec());
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (DockerException e) {
            throw e; // the engine answered
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    /**
     * {@code failure} of a call that never reached the engine, as {@link Unreachable} naming the configured
     * {@code docker-host} — the HTTP client names its own placeholder address (unix://localhost:2375), and the
     * socket's error names no path — with what the cause usually means; other failures unchanged.
     */
    public RuntimeException unreachable(RuntimeException failure) {
        if (failure instanceof Unreachable || failure instanceof DockerException) {
            return failure;
        }
        java.net.SocketException socket = null;
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            io |= t instanceof IOException;
            if (t instanceof java.net.SocketException s && socket == null) {
                socket = s;
            }
        }
        if (!io) {
            return failure;
        }
        var message = socket == null ? null : socket.getMessage();
        String hint;
        if (message != null && message.contains("No such file")) {
            hint = "the socket does not exist: is Docker running, and is docker-host right?";
        } else if (message != null && message.contains("Permission denied")) {
            hint = "this user may not use the socket: add it to the docker group, or run as the agent's user";
        } else if (message != null && message.contains("Connection refused")) {
            hint = "nothing answers there: is Docker running, and is docker-host right?";
        } else {
            hint = "is Docker running, and is docker-host right?";
        }
        return new Unreachable("Docker at " + dockerHost + " did not answer (" + hint + ")", failure);
    }

    /** Pulls {@code repository@digest}; returns the local image id. */
    public String pull(String repository, String digest, Duration timeout) throws InterruptedException {
        var done = docker.pullImageCmd(repository).withTag(digest).exec(new ResultCallback.Adapter<PullResponseItem>());
        if (!done.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new DockerException("pull of " + repository + "@" + digest + " did not finish within " + timeout, 0);
        }
        return docker.inspectImageCmd(repository + "@" + digest).exec().getId();
    }

    /** The local id of an image ({@code repo@sha256:…} or an id). */
    public String imageId(String image) {
        return docker.inspectImageCmd(image).exec().getId();
    }

    /** The digests the local image is known under in its registries ({@code repo@sha256:…}). */
    public List<String> repoDigests(String image) {
        var digests = docker.inspectImageCmd(image).exec().getRepoDigests();
        return digests == null ? List.of() : digests;
    }

    public void stop(String name, Duration grace) {
        try {
            docker.stopContainerCmd(name).withTimeout((int) grace.toSeconds()).exec();
        } catch (NotModifiedException alreadyStopped) {
            // fine: idempotent
        }
    }

    public void start(String name) {
        try {
            docker.startContainerCmd(name).exec();
        } catch (NotModifiedException alreadyRunning) {
            // fine: idempotent
        }
    }

    public void rename(String from, String to) {
        docker.renameContainerCmd(from).withName(to).exec();
    }

    /**
     * The container's restart policy as Docker writes it on the command line ({@code no}, {@code always},
     * {@code unless-stopped}, {@code on-failure:5}); {@code no} when it has none.
     */
    public static String restartPolicyOf(InspectContainerResponse container) {
        var policy = container.getHostConfig() == null ? null : container.getHostConfig().getRestartPolicy();
        if (policy == null || policy.getName() == null || policy.getName().isBlank()) {
            return "no";
        }
        return policy.toString();
    }

    /** {@code docker update --restart=<policy>}; idempotent. */
    public void setRestartPolicy(String name, String policy) {
        docker.updateContainerCmd(name).withRestartPolicy(restartPolicy(policy)).exec();
    }

    /**
     * {@link RestartPolicy#parse}, except that {@code no} is sent as the name {@code no}: docker-java writes it as an
     * empty name, which {@code docker update} reads as "leave the policy as it is".
     */
    private static RestartPolicy restartPolicy(String policy) {
        var parsed = RestartPolicy.parse(policy);
        if (parsed.getName() != null && !parsed.getName().isEmpty()) {
            return parsed;
        }
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .convertValue(Map.of("Name", "no", "MaximumRetryCount", 0), RestartPolicy.class);
    }

    public void remove(String name) {
        try {
            docker.removeContainerCmd(name).withForce(true).exec();
        } catch (NotFoundException gone) {
            // fine: idempotent
        }
    }

    /**
     * Creates {@code name} from {@code image} with the configuration the old container was given (env, labels,
     * ports, volumes, init), leaving out what came from the old image, so the new image's own defaults (command,
     * health check, labels) apply. The restart policy is given: the old container's own is set to {@code no} while
     * it is kept for a rollback, so the original comes from the update record.
     */
    public void createLike(InspectContainerResponse old, String name, String image, String restartPolicy) {
        var oldConfig = old.getConfig();
        var oldImage = docker.inspectImageCmd(old.getImageId()).exec().getConfig();
        List<String> imageEnv = oldImage == null || oldImage.getEnv() == null ? List.of()
                : Arrays.asList(oldImage.getEnv());
        var env = oldConfig.getEnv() == null ? List.<String>of()
                : Arrays.stream(oldConfig.getEnv()).filter(e -> !imageEnv.contains(e)).toList();
        Map<String, String> imageLabels = oldImage == null || oldImage.getLabels() == null ? Map.of()
                : oldImage.getLabels();
        var labels = new HashMap<String, String>();
        if (oldConfig.getLabels() != null) {
            oldConfig.getLabels().forEach((k, v) -> {
                if (!v.equals(imageLabels.get(k)) && !k.equals(CREATED_LABEL)) {
                    labels.put(k, v);
                }
            });
        }
        var oldHost = old.getHostConfig();
        var host = HostConfig.newHostConfig()
                .withPortBindings(oldHost.getPortBindings())
                .withBinds(oldHost.getBinds())
                .withMounts(oldHost.getMounts())
                .withRestartPolicy(restartPolicy(restartPolicy))
                .withNetworkMode(oldHost.getNetworkMode())
                .withInit(true);
        var create = docker.createContainerCmd(image)
                .withName(name)
                .withEnv(env)
                .withLabels(labels)
                .withHostConfig(host);
        if (oldConfig.getExposedPorts() != null) {
            create.withExposedPorts(oldConfig.getExposedPorts());
        }
        create.exec();
    }

    /**
     * Creates the node's first container {@code name} from {@code image} with {@code settings} (published ports, the
     * data volume at {@link FirstContainer#DATA_PATH}, the restart policy), an init process as every node container
     * gets, and {@code labels}; the image's own command, health check and labels apply. Not started.
     */
    public void createFirst(String name, String image, FirstContainer settings, Map<String, String> labels) {
        var bindings = settings.bindings();
        var host = HostConfig.newHostConfig()
                .withPortBindings(bindings)
                .withRestartPolicy(restartPolicy(settings.restartPolicy()))
                .withInit(true);
        if (settings.dataVolume() != null) {
            host.withBinds(new com.github.dockerjava.api.model.Bind(settings.dataVolume(),
                    new com.github.dockerjava.api.model.Volume(FirstContainer.DATA_PATH)));
        }
        var create = docker.createContainerCmd(image).withName(name).withLabels(labels).withHostConfig(host);
        if (!bindings.isEmpty()) {
            create.withExposedPorts(bindings.stream().map(com.github.dockerjava.api.model.PortBinding::getExposedPort)
                    .distinct().toList());
        }
        create.exec();
    }

    public Health health(String name) {
        return healthOf(inspect(name));
    }

    /** The longest health-check output quoted in a reason (the control plane keeps 1,000 characters). */
    static final int HEALTH_OUTPUT_MAX = 300;

    /**
     * Why the container is not healthy, as far as Docker tells, for an update's reason and log: its exit code when it
     * stopped, else the last HEALTHCHECK's exit code and output (control characters and runs of spaces made one space,
     * cut to {@value #HEALTH_OUTPUT_MAX} characters); empty when Docker tells nothing, or the container is not there.
     */
    public String whyNotHealthy(String name) {
        try {
            return whyNotHealthy(inspect(name));
        } catch (RuntimeException e) {
            return ""; // the reason without Docker's detail: the update goes on the same
        }
    }

    static String whyNotHealthy(Optional<InspectContainerResponse> container) {
        var state = container.map(InspectContainerResponse::getState).orElse(null);
        if (state == null) {
            return "";
        }
        if (!Boolean.TRUE.equals(state.getRunning())) {
            return state.getExitCodeLong() == null ? "" : " (exited with code " + state.getExitCodeLong() + ")";
        }
        var log = state.getHealth() == null ? null : state.getHealth().getLog();
        if (log == null || log.isEmpty()) {
            return "";
        }
        var last = log.get(log.size() - 1);
        var output = last.getOutput() == null ? "" : last.getOutput().replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        if (output.length() > HEALTH_OUTPUT_MAX) {
            output = output.substring(0, HEALTH_OUTPUT_MAX - 1) + "…";
        }
        return "; Docker's last health check" + (last.getExitCodeLong() == null ? "" : " exited "
                + last.getExitCodeLong()) + (output.isEmpty() ? " without output" : ": " + output);
    }

    /** The health of an inspected container (empty: it does not exist). */
    public static Health healthOf(Optional<InspectContainerResponse> container) {
        var state = container.map(InspectContainerResponse::getState).orElse(null);
        if (state == null || !Boolean.TRUE.equals(state.getRunning())) {
            return Health.NOT_RUNNING;
        }
        var health = state.getHealth();
        if (health == null || health.getStatus() == null) {
            return Health.HEALTHY; // no HEALTHCHECK: running is all we can see (the health URL adds more)
        }
        return switch (health.getStatus()) {
            case "healthy" -> Health.HEALTHY;
            case "unhealthy" -> Health.UNHEALTHY;
            default -> Health.STARTING;
        };
    }

    /**
     * Removes images of {@code repository} so that {@code keep} stay: always those in {@code alwaysKeep} (image ids:
     * the running version's and the previous one's, which {@code noderr-agent rollback} goes back to) and those a
     * container uses; the rest of the places go to the newest other images, a failed target's image
     * ({@code failedDigest}, {@code sha256:…}) last, so that it is the first to go. Returns how many were removed.
     */
    public int pruneImages(String repository, int keep, java.util.Set<String> alwaysKeep,
            @Nullable String failedDigest) {
        var used = docker.listContainersCmd().withShowAll(true).exec().stream()
                .map(c -> c.getImageId()).toList();
        var images = docker.listImagesCmd().exec().stream()
                .filter(i -> i.getRepoDigests() != null && Arrays.stream(i.getRepoDigests())
                        .anyMatch(d -> d.startsWith(repository + "@")))
                .toList();
        var kept = images.stream().filter(i -> alwaysKeep.contains(i.getId()) || used.contains(i.getId())).count();
        var failed = failedDigest == null ? null : repository + "@" + failedDigest;
        var others = images.stream()
                .filter(i -> !alwaysKeep.contains(i.getId()) && !used.contains(i.getId()))
                .sorted(Comparator.<Image, Boolean>comparing(i -> Arrays.asList(i.getRepoDigests()).contains(failed))
                        .thenComparing(Comparator.comparing(Image::getCreated).reversed())
                        .thenComparing(Image::getId))
                .toList();
        int removed = 0;
        for (int i = (int) Math.max(0, keep - kept); i < others.size(); i++) {
            try {
                docker.removeImageCmd(others.get(i).getId()).withForce(true).exec();
                removed++;
            } catch (DockerException e) {
                // in use by something we cannot see: keep it
            }
        }
        return removed;
    }

    /** The image id a container runs, or null when it does not exist. */
    public @Nullable String imageOf(String name) {
        return inspect(name).map(InspectContainerResponse::getImageId).orElse(null);
    }

    @Override
    public void close() throws IOException {
        docker.close();
    }
}
