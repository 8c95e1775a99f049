package network.noderr.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.api.NodeSigner;
import network.noderr.agent.update.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noderr-agent register}: turns an install token into a node identity. Creates a software P-256 node key
 * (unless one exists), registers its public key with the token and writes agent.properties (mode 0600) with the node
 * id and tier at once (the token is spent: a later failure must not lose the registration); then proves the key with
 * a challenge/verify login and adds — when the control plane advertises them — the VersionBeacon's address and RPC
 * URL, which pins them for the node's digest checks. When that follow-up fails, the node is registered all the same
 * and the command says so, and what to do next.
 *
 * <p>The token is read from {@code NODERR_INSTALL_TOKEN} or standard input, never from the command line (where other
 * users of the machine could see it in the process list).
 */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = "Register this machine as a node (install token on stdin or in NODERR_INSTALL_TOKEN).")
final class RegisterCommand implements Callable<Integer> {

    @Option(names = "--url", required = true, description = "the control plane, e.g. https://control.noderr.network")
    URI url;

    @Option(names = {"-c", "--config"}, defaultValue = "/etc/noderr/agent.properties",
            description = "configuration to write (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--key-path", description = "node key, PKCS#8 PEM (default: node-key.pem beside the config); "
            + "created if missing, with <key>.pub")
    Path keyPath;

    @Option(names = "--state-dir", description = "the agent's state directory (default: /var/lib/noderr)")
    Path stateDir;

    @Option(names = "--tier", description = "ALL, ORACLE or GUARDIAN: must match the token's tier if given")
    String tier;

    @Option(names = "--ca-file", description = "PEM certificate(s) of a private CA that issued the control plane's "
            + "TLS certificate, trusted besides the JVM's CAs (written to the configuration as ca-file)")
    Path caFile;

    @Override
    public Integer call() throws Exception {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            System.err.println("--url must be an http(s) URL of the control plane, was " + url);
            return 2;
        }
        if (Files.exists(config)) {
            var existing = new Properties();
            try (var in = Files.newBufferedReader(config)) {
                existing.load(in);
            }
            if (!existing.getProperty("node-id", "").isBlank()) {
                System.err.printf("%s already registers this machine as %s. To register it again, move that file "
                        + "away (or run install.sh --uninstall) first.%n", config, existing.getProperty("node-id"));
                return 1;
            }
        }
        if (caFile != null) {
            try {
                network.noderr.agent.api.Shared.trustAlso(caFile);
            } catch (IOException | GeneralSecurityException e) {
                System.err.println("--ca-file must be a readable PEM file of CA certificates (" + caFile + ": "
                        + e.getMessage() + ")");
                return 2;
            }
        }
        var token = token();
        if (token.isEmpty()) {
            System.err.println("No install token: set NODERR_INSTALL_TOKEN or pipe the token on standard input.");
            return 2;
        }
        var key = keyPath != null ? keyPath : config.toAbsolutePath().resolveSibling("node-key.pem");
        String publicKey;
        try {
            publicKey = ensureKey(key);
        } catch (IOException | GeneralSecurityException e) {
            System.err.println("Node key: " + Problems.describe(e));
            return 1;
        }
        com.fasterxml.jackson.databind.JsonNode registered;
        try {
            registered = ControlPlane.register(url, token, publicKey, hostname(), hardware(), tier);
        } catch (ControlPlane.ApiException e) {
            System.err.println("Registration refused: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("Cannot reach the control plane at " + url + ": " + Problems.describe(e));
            return 1;
        }
        // The install token is spent now: the registration is written down before anything else can fail.
        var nodeId = registered.path("nodeId").asText();
        var nodeTier = registered.path("tier").asText();
        var props = new LinkedHashMap<String, String>();
        props.put("control-plane-url", url.toString());
        props.put("node-id", nodeId);
        props.put("tier", nodeTier);
        props.put("key-type", "SOFTWARE");
        props.put("key-path", key.toAbsolutePath().toString());
        if (stateDir != null) {
            props.put("state-dir", stateDir.toAbsolutePath().toString());
        }
        if (caFile != null) {
            props.put("ca-file", caFile.toAbsolutePath().toString());
        }
        try {
            writeConfig(props);
        } catch (IOException e) {
            System.err.printf("This machine IS registered as %s (tier %s, key %s), but %s could not be written: %s%n"
                    + "The install token is used up: do not run register again. Write that file by hand:%n",
                    nodeId, nodeTier, key.toAbsolutePath(), config, e.getMessage());
            props.forEach((k, v) -> System.err.println("  " + k + "=" + v));
            return 1;
        }
        System.out.printf("Registered as %s (tier %s); configuration written to %s.%n", nodeId, nodeTier, config);
        try {
            // Log in once with the key: proves the registration works, and reads the VersionBeacon to pin.
            var api = new ControlPlane(url, nodeId, NodeSigner.keyFile(key), Clock.systemUTC());
            var beacon = api.beacon();
            if (beacon.rpcUrl() != null) {
                props.put("beacon-rpc-url", beacon.rpcUrl());
                props.put("beacon-address", beacon.contractAddress());
                writeConfig(props);
            }
            System.out.printf("VersionBeacon: %s%n", beacon.rpcUrl() == null ? "not advertised: set beacon-rpc-url "
                    + "and beacon-address before updates can run" : beacon.contractAddress() + " via "
                    + beacon.rpcUrl() + " (chain " + beacon.chainId() + ")");
            System.out.printf("Start the agent: noderr-agent run --config %s%n", config);
            return 0;
        } catch (IOException e) {
            System.err.printf("This machine IS registered as %s and %s holds its configuration, but the first "
                    + "login with its key failed: %s%n"
                    + "Do not run register again (the install token is used up). Fix the cause, then start the "
                    + "agent: noderr-agent run --config %s (it logs in at its first check). The VersionBeacon is not "
                    + "pinned: the agent uses the one the control plane advertises, or set beacon-rpc-url and "
                    + "beacon-address in %s.%n", nodeId, config, e.getMessage(), config, config);
            return 1;
        }
    }

    private static String token() throws IOException {
        var fromEnv = System.getenv("NODERR_INSTALL_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        var line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return line == null ? "" : line.strip();
    }

    /** The key's public half as base64 SPKI; a new key pair (0600 private key) when the file does not exist. */
    private static String ensureKey(Path key) throws IOException, GeneralSecurityException {
        var pub = key.resolveSibling(key.getFileName() + ".pub");
        if (Files.exists(key)) {
            if (!Files.exists(pub)) {
                throw new IOException(key + " exists but " + pub + " (its public key) does not; move the key away "
                        + "to create a new one");
            }
            return Files.readString(pub).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        }
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var pair = generator.generateKeyPair();
        Files.createDirectories(key.toAbsolutePath().getParent());
        var tmp = key.resolveSibling(key.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        var publicBase64 = Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
        Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        Files.move(tmp, key, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return publicBase64;
    }

    /** PEM text: base64 in 64-character lines between BEGIN/END lines of {@code label}. */
    private static String pem(String label, byte[] der) {
        var encoder = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN " + label + "-----\n" + encoder.encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    private void writeConfig(Map<String, String> props) throws IOException {
        var text = new StringBuilder("# Noderr node agent configuration, written by noderr-agent register.\n");
        props.forEach((k, v) -> text.append(line(k, v)));
        StateStore.writeOwnerOnly(config, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One {@code key=value} line that {@link java.util.Properties#load} reads back as exactly that value. The values
     * come from the control plane (node id, tier, the advertised VersionBeacon): a line break in one must not add a
     * setting of its own (a {@code sign-command=…}), so line breaks and other control characters are escaped.
     */
    static String line(String key, String value) {
        var out = new StringBuilder(key).append('=');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (i == 0 && c == ' ')) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\n').toString();
    }

    private static String hostname() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "node";
        }
        name = name.replaceAll("[^A-Za-z0-9._-]", "-");
        return name.length() > 255 ? name.substring(0, 255) : name;
    }

    private static Map<String, Object> hardware() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long gib = 1L << 30;
        return Map.of("cpuCores", Runtime.getRuntime().availableProcessors(),
                "memoryGb", Math.max(1, os.getTotalMemorySize() / gib),
                "diskGb", Math.max(1, new java.io.File("/").getTotalSpace() / gib),
                "networkMbps", 0, "gpu", false);
    }
}
