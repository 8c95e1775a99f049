package network.noderr.agent;

import java.net.http.WebSocket;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.api.Shared;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.daemon.Agent;
import network.noderr.agent.daemon.Daemon;
import network.noderr.agent.daemon.OperatorLock;
import network.noderr.agent.daemon.PushClient;
import network.noderr.agent.docker.NodeContainers;
import network.noderr.agent.update.OnChainRelease;
import network.noderr.agent.update.StateStore;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noderr-agent check}: asks everything the agent depends on, now, and says for each whether it works and what
 * to do when it does not — the node key, the control plane (a real login), the tier's target version, the
 * VersionBeacon's record of it, Docker and the node container, the push stream, the state directory and the operator
 * lock. Exit code 0 when nothing failed, 1 otherwise (2 for an invalid configuration). It changes nothing on the node
 * and next to nothing on the control plane (a login, a version query without the running version, a push stream
 * opened and closed); it can run beside the daemon.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check, now, what the agent needs: node key, control plane, target version, chain, Docker, "
                + "push stream, state directory. Exit code 0 when nothing failed.")
final class CheckCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ConfigOption config;

    @Option(names = "--timeout", defaultValue = "PT15S", paramLabel = "DURATION",
            description = "how long each check may take (ISO-8601, default: ${DEFAULT-VALUE})")
    Duration timeout;

    enum Outcome { OK, FAIL, NOTE, SKIPPED }

    record Line(Outcome outcome, String what, String detail) {

        String printed() {
            var mark = switch (outcome) {
                case OK -> "[ ok ]";
                case FAIL -> "[FAIL]";
                case NOTE -> "[note]";
                case SKIPPED -> "[ -- ]";
            };
            return String.format("%s %-16s %s", mark, what, detail);
        }
    }

    /** A step that answers with its detail line, or throws what went wrong. */
    private interface Check {
        Line run() throws Exception;
    }

    @Override
    public Integer call() {
        if (timeout.isNegative() || timeout.isZero()) {
            System.err.println("--timeout must be positive, was " + timeout);
            return 2;
        }
        var cfg = config.load();
        if (cfg == null) {
            return 2;
        }
        var lines = new ArrayList<Line>();
        print(lines, new Line(Outcome.OK, "configuration", config.config + ": node " + cfg.nodeId() + " ("
                + cfg.tier() + ") at " + cfg.controlPlaneUrl()));
        var signer = new network.noderr.agent.api.NodeSigner[1];
        var key = print(lines, check("node key", () -> {
            signer[0] = Agent.signer(cfg);
            var signature = signer[0].sign(new byte[32]);
            return ok("node key", "signs (" + (cfg.signCommand() != null ? "sign command " + cfg.signCommand()
                    : "key file " + cfg.keyPath()) + ", " + signature.length + "-byte signature)");
        }, "the agent cannot log in without it: check the key file or the TPM (the installer's sign command)"));

        var controlPlane = new ControlPlane(cfg.controlPlaneUrl(), cfg.nodeId(),
                key.outcome() == Outcome.OK ? signer[0] : message -> {
                    throw new java.io.IOException("the node key cannot sign");
                }, Clock.systemUTC());
        var loggedIn = key.outcome() != Outcome.OK
                ? print(lines, new Line(Outcome.SKIPPED, "control plane", "needs the node key"))
                : print(lines, check("control plane", () -> {
                    controlPlane.streamToken();
                    return ok("control plane", "logged in as " + cfg.nodeId() + " at " + cfg.controlPlaneUrl());
                }, "the agent can neither learn its target nor report: check control-plane-url, the network and "
                        + "the node's status on the control plane"));
        var target = new ControlPlane.VersionAnswer[1];
        if (loggedIn.outcome() == Outcome.OK) {
            print(lines, check("target", () -> {
                var answer = controlPlane.version(null);
                target[0] = answer;
                return target(cfg.tier(), answer);
            }, "the agent cannot tell which version to run"));
        } else {
            print(lines, new Line(Outcome.SKIPPED, "target", "needs the control plane"));
        }

        var source = cfg.beaconRpcUrl() == null ? "the chain RPC the control plane advertises"
                : cfg.beaconRpcUrl() + ", VersionBeacon " + cfg.beaconAddress();
        if (cfg.beaconRpcUrl() == null && loggedIn.outcome() != Outcome.OK) {
            print(lines, new Line(Outcome.SKIPPED, "chain", "no beacon-rpc-url set: the chain is found through the "
                    + "control plane"));
        } else {
            var chain = Agent.chain(cfg, controlPlane);
            print(lines, check("chain", () -> {
                var answer = target[0];
                if (answer == null || answer.versionString() == null || answer.imageDigest() == null) {
                    var current = chain.currentVersionId(cfg.tier());
                    return ok("chain", source + " answers (" + cfg.tier() + "'s current version id: " + current + ")");
                }
                var recorded = chain.release(cfg.tier(), answer.versionString()).orElse(null);
                return chainAgreement(cfg.tier(), answer, recorded, source);
            }, "the agent verifies every image against the chain and starts no update while it cannot read it: "
                    + "check beacon-rpc-url and beacon-address"));
        }

        print(lines, check("docker", () -> docker(cfg), "the agent can neither update nor report the container's "
                + "health: check docker-host and that this user may use Docker"));

        if (loggedIn.outcome() == Outcome.OK) {
            print(lines, check("push stream", () -> {
                pushStream(controlPlane);
                return ok("push stream", "opened (" + PushClient.streamUri(cfg.controlPlaneUrl()) + ")");
            }, "the node still polls, but emergency rollbacks reach it only at its next check: a proxy in front of "
                    + "the control plane must pass WebSocket upgrades"));
        } else {
            print(lines, new Line(Outcome.SKIPPED, "push stream", "needs the control plane"));
        }

        print(lines, check("state directory", () -> stateDirectory(cfg), "the agent cannot record an update's "
                + "progress, so it starts none"));
        print(lines, lock(cfg));

        long failed = lines.stream().filter(l -> l.outcome() == Outcome.FAIL).count();
        System.out.println(failed == 0 ? "Everything the agent needs answered."
                : failed + (failed == 1 ? " check failed." : " checks failed."));
        return failed == 0 ? 0 : 1;
    }

    private static Line print(List<Line> lines, Line line) {
        lines.add(line);
        System.out.println(line.printed());
        return line;
    }

    private static Line ok(String what, String detail) {
        return new Line(Outcome.OK, what, detail);
    }

    /** Runs {@code check} with the timeout; a failure names its cause and what it means for the agent. */
    private Line check(String what, Check check, String meaning) {
        var result = new CompletableFuture<Line>();
        Thread.ofVirtual().name("noderr-check").start(() -> {
            try {
                result.complete(check.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Line(Outcome.FAIL, what, "no answer within " + timeout.toSeconds() + " s; " + meaning);
        } catch (ExecutionException e) {
            var refused = refusal(e.getCause());
            return new Line(Outcome.FAIL, what, refused != null ? refused : describe(e.getCause()) + "; " + meaning);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Line(Outcome.FAIL, what, "interrupted");
        }
    }

    /**
     * The tier's target, and whether the control plane moves this node to it. The query is asked without the
     * running version, so {@code shouldUpdate} false means the node is not being moved (a paused rollout, or a cohort
     * whose turn has not come), whatever it runs.
     */
    static Line target(String tier, ControlPlane.VersionAnswer answer) {
        if (answer.versionString() == null) {
            return ok("target", "no version is published for " + tier + " yet: nothing to run");
        }
        var named = tier + " " + answer.versionString() + " (" + answer.imageDigest() + ", cohort " + answer.cohort()
                + ", priority " + answer.updatePriority() + ")";
        return answer.shouldUpdate() ? ok("target", named + ": the control plane moves this node to it")
                : new Line(Outcome.NOTE, "target", named + ": the control plane does not move this node to it now (the "
                        + "rollout is paused, or this node's cohort has not had its turn); the node stays on its "
                        + "version");
    }

    static Line chainAgreement(String tier, ControlPlane.VersionAnswer answer, @Nullable OnChainRelease recorded,
            String source) {
        var version = answer.versionString();
        if (recorded == null) {
            return new Line(Outcome.FAIL, "chain", source + " has no " + tier + " " + version + ": the agent refuses "
                    + "the control plane's target until its chain records it (is beacon-address the control plane's "
                    + "VersionBeacon, on the same chain?)");
        }
        if (!recorded.imageDigest().equalsIgnoreCase(String.valueOf(answer.imageDigest()))) {
            return new Line(Outcome.FAIL, "chain", source + " records " + recorded.imageDigest() + " for " + tier
                    + " " + version + ", the control plane names " + answer.imageDigest() + ": the agent refuses "
                    + "this image");
        }
        if (recorded.isWithdrawn()) {
            return new Line(Outcome.FAIL, "chain", source + ": " + tier + " " + version + " is withdrawn (an "
                    + "emergency rollback went back past it, current version id " + recorded.currentVersionId()
                    + "): the agent refuses it until the chain and the control plane agree");
        }
        return ok("chain", source + " records " + tier + " " + version + " with the control plane's digest"
                + (recorded.isCurrent() ? " (the tier's current version)" : " (an earlier version of the tier)"));
    }

    private static Line docker(AgentConfig cfg) throws Exception {
        try (var containers = new NodeContainers(cfg.dockerHost())) {
            String version;
            try {
                version = containers.client().versionCmd().exec().getVersion();
            } catch (RuntimeException e) {
                throw containers.unreachable(e);
            }
            var container = containers.inspect(cfg.container()).orElse(null);
            if (container == null) {
                return new Line(Outcome.NOTE, "docker", "Docker " + version + " at " + cfg.dockerHost()
                        + " has no container " + cfg.container() + " yet: the agent creates it from the first release "
                        + "the control plane names for this node (node-ports, node-data-volume, node-restart-policy); "
                        + "if the node's container has another name, set container= to it");
            }
            var health = NodeContainers.healthOf(java.util.Optional.of(container));
            var running = Daemon.versionOf(container);
            var detail = "Docker " + version + " at " + cfg.dockerHost() + ": container " + cfg.container() + " "
                    + container.getState().getStatus() + ", " + health.name().toLowerCase().replace('_', ' ')
                    + ", version " + (running == null ? "unknown (no version label)" : running);
            return new Line(health == NodeContainers.Health.HEALTHY || health == NodeContainers.Health.STARTING
                    ? Outcome.OK : Outcome.FAIL, "docker", detail);
        }
    }

    private void pushStream(ControlPlane controlPlane) throws Exception {
        var socket = Shared.http().newWebSocketBuilder()
                .header("Authorization", "Bearer " + controlPlane.streamToken())
                .connectTimeout(timeout)
                .buildAsync(PushClient.streamUri(controlPlane.base()), new WebSocket.Listener() {})
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "check done").get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Line stateDirectory(AgentConfig cfg) throws Exception {
        var dir = cfg.stateDir();
        if (!Files.isDirectory(dir)) {
            var parent = dir.toAbsolutePath().getParent();
            if (parent != null && Files.isDirectory(parent) && Files.isWritable(parent)) {
                return ok("state directory", dir + " does not exist yet; the agent creates it");
            }
            return new Line(Outcome.FAIL, "state directory", dir + " does not exist and cannot be created here");
        }
        var probe = Files.createTempFile(dir, ".check-", ".tmp");
        Files.delete(probe);
        var failed = new StateStore(dir, cfg.container()).failed().orElse(null);
        return ok("state directory", dir + " is writable" + (failed == null ? ""
                : "; the update to " + failed.versionString() + " failed here (" + failed.outcome() + ") and is not "
                        + "started again until the control plane names another version, or noderr-agent retry"));
    }

    private static Line lock(AgentConfig cfg) {
        var lock = OperatorLock.of(cfg.lockFile());
        return switch (lock.state()) {
            case FREE -> ok("operator lock", "none (" + lock.file() + ")");
            case HELD -> new Line(Outcome.NOTE, "operator lock", "held (" + lock.file() + "): no update starts, "
                    + "not even an emergency rollback, until it is deleted");
            case UNKNOWN -> new Line(Outcome.FAIL, "operator lock", lock.file() + " cannot be checked ("
                    + lock.problem() + "): the agent starts no update until it can tell; check the path's "
                    + "permissions");
        };
    }

    /** What went wrong: the cause chain as one line ({@link Problems#describe}). */
    static String describe(Throwable e) {
        return Problems.describe(e);
    }

    /**
     * The control plane's refusal of this node (403: suspended, or no longer registered) in its own words, with its
     * reason when the answer carries one; null for any other failure. The network's advice does not apply: it
     * answered.
     */
    static @Nullable String refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ControlPlane.ApiException api && api.status() == 403) {
                return "the control plane refuses this node (HTTP 403): " + api.detail()
                        + (api.reason() == null || api.reason().isBlank() ? "" : " Reason: " + api.reason());
            }
        }
        return null;
    }
}
