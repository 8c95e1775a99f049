package network.noderr.agent.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The agent's configuration: {@code agent.properties} (written by install.sh) overridden by environment variables
 * {@code NODERR_AGENT_<KEY>} (key upper-cased, dashes as underscores). Invalid values are all reported at once.
 *
 * @param configDir the directory of agent.properties (the node key and sign command live there)
 * @param signCommand signs a challenge: {@code <sign-command> <config-dir> < nonce > DER signature}
 * @param container the node container the agent keeps on its tier's version
 * @param maintenanceWindow when normal-priority updates may run (UTC, e.g. 02:00-04:00); null = any time
 * @param lockFile while this file exists no update starts (an operator's hold; emergency rollbacks wait too); never
 *     under a directory the service sees a private copy of ({@link #HIDDEN_FROM_THE_DAEMON})
 * @param metricsPort the agent's Prometheus endpoint; 0 = none
 * @param metricsAddress the IP address of this host the endpoint listens on; null = every address
 * @param chainWait how long a check waits for the VersionBeacon to record a rollback the control plane already asks
 *     for (the target is older than the tier's current version on-chain) before it gives up until the next check
 * @param caFile PEM certificates of CAs trusted in addition to the JVM's default ones (a control plane or chain RPC
 *     whose certificate a private CA issued); null = the defaults only
 * @param firstContainer how the node's container is created when the node has none ({@code node-ports},
 *     {@code node-data-volume}, {@code node-restart-policy})
 * @param service the systemd unit that runs the daemon ({@code noderr-agent}, the default); null ({@code none}) when
 *     no service does: a sandbox install ({@code install.sh --prefix}, which writes {@code service=none}), whose
 *     operator starts {@code noderr-agent run} themself. Only what the commands tell the operator depends on it
 *     ({@code status}: how to see whether the daemon runs, where its log is)
 */
public record AgentConfig(
        Path configDir,
        URI controlPlaneUrl,
        String nodeId,
        String tier,
        String keyType,
        @Nullable Path keyPath,
        @Nullable Path signCommand,
        Path stateDir,
        String dockerHost,
        String container,
        Duration checkInterval,
        Duration jitter,
        @Nullable URI healthCheckUrl,
        Duration healthWindow,
        Duration rollbackTimeout,
        boolean autoUpdate,
        @Nullable String beaconRpcUrl,
        @Nullable String beaconAddress,
        @Nullable MaintenanceWindow maintenanceWindow,
        Path lockFile,
        int metricsPort,
        @Nullable InetAddress metricsAddress,
        Duration chainWait,
        @Nullable Path caFile,
        network.noderr.agent.docker.FirstContainer firstContainer,
        @Nullable String service) {

    /**
     * Where the systemd unit gives the daemon a view of its own (PrivateTmp, ProtectHome): an operator's lock there
     * is invisible to it, while {@code noderr-agent status} and {@code rollback}, run from a shell, see it.
     */
    static final List<Path> HIDDEN_FROM_THE_DAEMON = List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/home"),
            Path.of("/root"), Path.of("/run/user"));

    /** A daily window in UTC; may wrap midnight (22:00-02:00). */
    public record MaintenanceWindow(LocalTime from, LocalTime to) {
        public boolean contains(LocalTime t) {
            return from.isBefore(to) ? !t.isBefore(from) && t.isBefore(to) : !t.isBefore(from) || t.isBefore(to);
        }
    }

    /** Thrown with every problem found, one per line, for a clear message and exit code 2. */
    public static final class InvalidConfigException extends Exception {
        public InvalidConfigException(String message) {
            super(message);
        }
    }

    public static AgentConfig load(Path file, Map<String, String> env) throws InvalidConfigException {
        var props = new Properties();
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                props.load(in);
            } catch (IOException e) {
                throw new InvalidConfigException(network.noderr.agent.Problems.describe("cannot read " + file, e)
                        + (e instanceof java.nio.file.AccessDeniedException ? " (it is the agent's own, readable by "
                        + "its user and root: run the command as that user, e.g. sudo -u noderr noderr-agent …, or "
                        + "with sudo)" : ""));
            }
        } else if (env.keySet().stream().noneMatch(k -> k.startsWith("NODERR_AGENT_"))) {
            throw new InvalidConfigException("no configuration: " + file + " does not exist (install.sh writes it; "
                    + "or set NODERR_AGENT_* variables)");
        }
        var p = new Reader2(props, env);
        var problems = new ArrayList<String>();
        var configDir = file.toAbsolutePath().getParent();
        var stateDir = Path.of(p.get("state-dir", "/var/lib/noderr"));
        var tier = p.get("tier", "").toUpperCase(Locale.ROOT);
        if (!List.of("ALL", "ORACLE", "GUARDIAN").contains(tier)) {
            problems.add("tier: must be ALL, ORACLE or GUARDIAN (was '" + tier + "')");
        }
        var nodeId = p.get("node-id", "");
        if (nodeId.isBlank()) {
            problems.add("node-id: missing (install.sh records it after registration)");
        }
        var keyType = p.get("key-type", "SOFTWARE").toUpperCase(Locale.ROOT);
        if (!List.of("SOFTWARE", "TPM2").contains(keyType)) {
            problems.add("key-type: must be SOFTWARE or TPM2");
        }
        var keyPath = p.path("key-path");
        var signCommand = p.path("sign-command");
        if (signCommand == null && (keyPath == null || keyType.equals("TPM2"))) {
            problems.add("sign-command or key-path: one is needed to prove the node's identity (TPM keys need the "
                    + "sign command)");
        }
        var explicitLock = p.path("update-lock-file");
        var lockFile = explicitLock != null ? explicitLock : stateDir.resolve("update.lock");
        // Only an explicit lock: a state-dir there (a sandbox install with --prefix, which has no unit) keeps its
        // whole state, the default lock included, in one view; the installed unit's state-dir is /var/lib/noderr.
        var hidden = explicitLock == null ? null : hiddenFromTheDaemon(lockFile);
        if (hidden != null) {
            problems.add("update-lock-file: must not be under " + hidden + " (was " + lockFile + "): the service has a "
                    + "private " + hidden + " (PrivateTmp/ProtectHome), so the daemon would not see a lock there that "
                    + "status and rollback see; use e.g. " + (hiddenFromTheDaemon(stateDir) == null
                    ? stateDir.resolve("update.lock") : "/var/lib/noderr/update.lock"));
        }
        var url = p.uri("control-plane-url", problems, true);
        var health = p.uri("health-check-url", problems, false);
        var config = new AgentConfig(configDir, url, nodeId, tier, keyType, keyPath, signCommand, stateDir,
                p.get("docker-host", "unix:///var/run/docker.sock"), p.get("container", "noderr-node"),
                p.duration("check-interval", "PT5M", Duration.ofSeconds(5), problems),
                p.duration("jitter", "PT30S", Duration.ZERO, problems), health,
                p.duration("health-window", "PT60S", Duration.ofSeconds(1), problems),
                p.duration("rollback-timeout", "PT5M", Duration.ofSeconds(5), problems),
                p.bool("auto-update", true, problems), p.optional("beacon-rpc-url"),
                p.optional("beacon-address"), p.window("maintenance-window", problems),
                lockFile,
                p.integer("metrics-port", 9101, problems),
                metricsAddress(p.optional("metrics-address"), problems),
                p.duration("chain-wait", "PT2M", Duration.ZERO, problems),
                p.path("ca-file"), firstContainer(p), service(p.get("service", "noderr-agent"), problems));
        problems.addAll(config.firstContainer().problems("node-ports", "node-data-volume", "node-restart-policy"));
        if (config.caFile() != null) {
            try {
                network.noderr.agent.api.Tls.certificates(config.caFile());
            } catch (IOException | java.security.cert.CertificateException e) {
                problems.add("ca-file: must be a readable PEM file of CA certificates (" + config.caFile() + ": "
                        + e.getMessage() + ")");
            }
        }
        if (config.beaconAddress() != null && !config.beaconAddress().matches("0x[0-9a-fA-F]{40}")) {
            problems.add("beacon-address: must be 0x followed by 40 hex digits");
        }
        if ((config.beaconRpcUrl() == null) != (config.beaconAddress() == null)) {
            problems.add("beacon-rpc-url and beacon-address: give both (or neither, to use the control plane's)");
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException("invalid configuration (" + file + "):\n  " + String.join("\n  ",
                    problems));
        }
        return config;
    }

    /**
     * {@code node-ports} (comma-separated; {@code none} = no published port), {@code node-data-volume}
     * ({@code none} = none), {@code node-restart-policy}.
     */
    private static network.noderr.agent.docker.FirstContainer firstContainer(Reader2 p) {
        var defaults = network.noderr.agent.docker.FirstContainer.DEFAULTS;
        var ports = p.get("node-ports", String.join(",", defaults.ports()));
        var volume = p.get("node-data-volume", java.util.Objects.requireNonNull(defaults.dataVolume()));
        return new network.noderr.agent.docker.FirstContainer(
                ports.equalsIgnoreCase("none") ? List.of() : network.noderr.agent.docker.FirstContainer.portsOf(ports),
                volume.equalsIgnoreCase("none") ? null : volume,
                p.get("node-restart-policy", defaults.restartPolicy()));
    }

    /**
     * {@code service}: a systemd unit name ({@code noderr-agent}, {@code noderr-agent.service}, {@code agent@2}), or
     * {@code none} (null).
     */
    private static @Nullable String service(String value, List<String> problems) {
        if (value.equalsIgnoreCase("none")) {
            return null;
        }
        if (!value.matches("[A-Za-z0-9:_.@-]+")) {
            problems.add("service: must be the systemd unit that runs the daemon (e.g. noderr-agent) or none (was '"
                    + value + "')");
        }
        return value;
    }

    /**
     * {@code metrics-address}: an IPv4 or IPv6 literal (never a name: a name would need a DNS lookup at every start,
     * and could resolve to an address of another host).
     */
    private static @Nullable InetAddress metricsAddress(@Nullable String value, List<String> problems) {
        if (value == null) {
            return null;
        }
        var literal = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
        var address = network.noderr.agent.docker.FirstContainer.ipLiteral(literal);
        if (address != null) {
            return address;
        }
        problems.add("metrics-address: must be an IP address of this host, e.g. 127.0.0.1 or 10.0.0.5 (was '" + value
                + "')");
        return null;
    }

    /** The directory of {@link #HIDDEN_FROM_THE_DAEMON} that {@code path} is under (after {@code ..}), or null. */
    static @Nullable Path hiddenFromTheDaemon(Path path) {
        var absolute = path.toAbsolutePath().normalize();
        return HIDDEN_FROM_THE_DAEMON.stream().filter(absolute::startsWith).findFirst().orElse(null);
    }

    /** Reads a key from env first ({@code NODERR_AGENT_CHECK_INTERVAL}), then the file. */
    private record Reader2(Properties props, Map<String, String> env) {
        String get(String key, String fallback) {
            var fromEnv = env.get("NODERR_AGENT_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
            var value = fromEnv != null ? fromEnv : props.getProperty(key);
            return value == null || value.isBlank() ? fallback : value.strip();
        }

        @Nullable String optional(String key) {
            var value = get(key, "");
            return value.isEmpty() ? null : value;
        }

        @Nullable Path path(String key) {
            var value = optional(key);
            return value == null ? null : Path.of(value);
        }

        URI uri(String key, List<String> problems, boolean required) {
            var value = optional(key);
            if (value == null) {
                if (required) {
                    problems.add(key + ": missing");
                }
                return URI.create("http://invalid");
            }
            try {
                var uri = URI.create(value);
                if (uri.getScheme() == null || !uri.getScheme().startsWith("http") || uri.getHost() == null) {
                    problems.add(key + ": must be an http(s) URL (was '" + value + "')");
                }
                return uri;
            } catch (IllegalArgumentException e) {
                problems.add(key + ": not a URL (" + value + ")");
                return URI.create("http://invalid");
            }
        }

        Duration duration(String key, String fallback, Duration min, List<String> problems) {
            var value = get(key, fallback);
            try {
                var d = Duration.parse(value.startsWith("P") ? value : "PT" + value.toUpperCase(Locale.ROOT));
                if (d.compareTo(min) < 0) {
                    problems.add(key + ": must be at least " + min.toSeconds() + " s (was " + value + ")");
                }
                return d;
            } catch (DateTimeParseException e) {
                problems.add(key + ": not a duration (use PT5M or 5m) (was '" + value + "')");
                return Duration.parse(fallback);
            }
        }

        boolean bool(String key, boolean fallback, List<String> problems) {
            var value = get(key, Boolean.toString(fallback)).toLowerCase(Locale.ROOT);
            if (!value.equals("true") && !value.equals("false")) {
                problems.add(key + ": must be true or false (was '" + value + "')");
            }
            return Boolean.parseBoolean(value);
        }

        int integer(String key, int fallback, List<String> problems) {
            var value = get(key, Integer.toString(fallback));
            try {
                int n = Integer.parseInt(value);
                if (n < 0 || n > 65535) {
                    problems.add(key + ": must be a port 0-65535 (0 = off)");
                }
                return n;
            } catch (NumberFormatException e) {
                problems.add(key + ": not a number (was '" + value + "')");
                return fallback;
            }
        }

        @Nullable MaintenanceWindow window(String key, List<String> problems) {
            var value = optional(key);
            if (value == null) {
                return null;
            }
            var parts = value.split("-");
            try {
                if (parts.length != 2) {
                    throw new DateTimeParseException("", value, 0);
                }
                return new MaintenanceWindow(LocalTime.parse(parts[0].strip()), LocalTime.parse(parts[1].strip()));
            } catch (DateTimeParseException e) {
                problems.add(key + ": must be HH:MM-HH:MM in UTC, e.g. 02:00-04:00 (was '" + value + "')");
                return null;
            }
        }
    }
}
