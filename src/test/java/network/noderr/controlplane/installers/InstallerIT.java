package network.noderr.controlplane.installers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestAgentJar;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.applications.OnboardingProperties;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The operator's journey end to end: an approved application's token, {@code installers/install.sh} in sandbox
 * ({@code --prefix}) mode against the running control plane (the token from a file, the agent jar checked against the
 * SHA-256 the control plane publishes), and the installed key authenticating the node — once with a software key,
 * once with a key inside a real software TPM (swtpm). {@code --rotate-key} against the same control plane: the node
 * moves to a new key (software and TPM) and the old one is refused; a rotation whose answer was lost, or that never
 * reached the control plane, is finished or started over by the next run.
 */
@IntegrationTest
class InstallerIT {

    private static final Path INSTALLER = Path.of("installers/install.sh").toAbsolutePath();

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    OnboardingProperties onboarding;

    @TempDir
    Path work;

    record Run(int exitCode, String output) {}

    @Test
    void softwareKeyInstallRegistersAuthenticatesAndUninstalls() throws Exception {
        var approval = Onboarding.approved(applications, Tier.ORACLE);
        var prefix = work.resolve("node");
        // The agent the control plane serves, checked against the SHA-256 it publishes.
        var agent = TestAgentJar.write(Path.of(onboarding.agentJar()));
        // The token from a file (as an argument it would be readable by every local user while the installer runs).
        var tokenFile = Files.writeString(work.resolve("token"), approval.installToken() + "\n");
        var run = install(prefix, Map.of(), "--token-file", tokenFile.toString(), "--key-type", "software");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("registered (tier ORACLE, key: SOFTWARE) and authenticated")
                .contains("matches the digest the control plane publishes")
                .doesNotContain(approval.installToken());
        assertThat(prefix.resolve("opt/noderr/noderr-agent.jar")).hasBinaryContent(agent);

        var config = config(prefix);
        var nodeId = config.getProperty("node-id");
        assertThat(config.getProperty("tier")).isEqualTo("ORACLE");
        assertThat(config.getProperty("key-type")).isEqualTo("SOFTWARE");
        assertThat(Files.readString(prefix.resolve("etc/noderr/agent.properties")))
                .doesNotContain(approval.installToken());
        assertThat(keyTypeInDatabase(nodeId)).isEqualTo("SOFTWARE");
        var keyFile = prefix.resolve("etc/noderr/key/node-key.pem");
        assertThat(Files.getPosixFilePermissions(keyFile).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");

        // The agent (Java) can use the installed key file as it is.
        assertThat(authenticate(nodeId, nonce -> signWithPkcs8(keyFile, nonce))).isEqualTo(200);

        var again = install(prefix, Map.of());
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("Already registered as " + nodeId);

        var uninstall = run(List.of("bash", INSTALLER.toString(), "--uninstall", "--prefix", prefix.toString(),
                "--yes"), Map.of());
        assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
        assertThat(prefix.resolve("etc/noderr")).doesNotExist();
    }

    @Test
    void tpmKeyInstallUsesASoftwareTpm() throws Exception {
        try (var tpm = SoftwareTpm.start(work.resolve("tpm"))) {
            var approval = Onboarding.approved(applications, Tier.GUARDIAN);
            var prefix = work.resolve("tpm-node");
            var env = Map.of("TPM2TOOLS_TCTI", tpm.tcti());
            var run = install(prefix, env, "--token", approval.installToken(), "--key-type", "tpm");
            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).contains("key: TPM2) and authenticated");
            var nodeId = config(prefix).getProperty("node-id");
            assertThat(keyTypeInDatabase(nodeId)).isEqualTo("TPM2");
            assertThat(prefix.resolve("etc/noderr/key/node-key.pem")).doesNotExist();

            // Signing goes through the TPM with the installed helper; the private key never leaves it.
            var signer = prefix.resolve("etc/noderr/noderr-sign.sh");
            assertThat(authenticate(nodeId, nonce -> signWithHelper(signer, prefix.resolve("etc/noderr"), env, nonce)))
                    .isEqualTo(200);
        }
    }

    @Test
    void aUsedTokenFailsWithTheServersExplanation() throws Exception {
        var approval = Onboarding.approved(applications, Tier.ALL);
        var first = install(work.resolve("a"), Map.of(), "--token", approval.installToken(), "--key-type", "software");
        assertThat(first.exitCode()).as(first.output()).isZero();
        var second = install(work.resolve("b"), Map.of(), "--token", approval.installToken(), "--key-type",
                "software");
        assertThat(second.exitCode()).isNotZero();
        assertThat(second.output()).contains("Install token already used").doesNotContain(approval.installToken());
    }

    /**
     * The registration went through but the installer never wrote its configuration (its answer was lost to a
     * timeout or a proxy): the key is still there, and the same token recovers the node instead of failing as used.
     */
    /** Installs an ALL node with a software key under {@code prefix} (a sandbox install); returns its node id. */
    private String installedWithSoftwareKey(Path prefix) throws Exception {
        var approval = Onboarding.approved(applications, Tier.ALL);
        var first = install(prefix, Map.of(), "--token", approval.installToken(), "--key-type", "software");
        assertThat(first.exitCode()).as(first.output()).isZero();
        return config(prefix).getProperty("node-id");
    }

    @Test
    void aRegistrationWhoseAnswerWasLostIsRecoveredWithTheSameToken() throws Exception {
        var approval = Onboarding.approved(applications, Tier.ALL);
        var prefix = work.resolve("lost");
        var first = install(prefix, Map.of(), "--token", approval.installToken(), "--key-type", "software");
        assertThat(first.exitCode()).as(first.output()).isZero();
        var nodeId = config(prefix).getProperty("node-id");
        Files.delete(prefix.resolve("etc/noderr/agent.properties"));

        var again = install(prefix, Map.of(), "--token", approval.installToken(), "--key-type", "software");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(config(prefix).getProperty("node-id")).isEqualTo(nodeId);
        assertThat(jdbc.sql("SELECT count(*) FROM nodes WHERE application_id = (SELECT application_id FROM nodes "
                + "WHERE node_id = :id)").param("id", nodeId).query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void refusedTokensAreExplainedToTheOperator() throws Exception {
        var unknown = install(work.resolve("u"), Map.of(), "--token", "nit_not-a-real-token-000000000000000000000000",
                "--key-type", "software");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.output()).contains("Unknown install token");

        var oracle = Onboarding.approved(applications, Tier.ORACLE);
        var wrongTier = install(work.resolve("w"), Map.of(), "--token", oracle.installToken(), "--tier", "GUARDIAN",
                "--key-type", "software");
        assertThat(wrongTier.exitCode()).isNotZero();
        assertThat(wrongTier.output()).contains("Install token is for another tier").contains("ORACLE");

        var expired = Onboarding.approved(applications, Tier.ALL);
        jdbc.sql("UPDATE install_tokens SET expires_at = now() - interval '1 minute' "
                        + "WHERE token_hash = encode(sha256(convert_to(:t, 'UTF8')), 'hex')")
                .param("t", expired.installToken())
                .update();
        var late = install(work.resolve("e"), Map.of(), "--token", expired.installToken(), "--key-type", "software");
        assertThat(late.exitCode()).isNotZero();
        assertThat(late.output()).contains("Install token expired").doesNotContain(expired.installToken());
    }

    /** As root: the real /etc, /opt, /var/lib layout, the noderr user and file modes, in a private namespace. */
    @Test
    void systemLayoutAsRootAgainstTheRealControlPlane() throws Exception {
        var approval = Onboarding.approved(applications, Tier.ALL);
        // The agent the control plane serves: the re-run downloads it from /downloads/noderr-agent.jar.
        TestAgentJar.write(Path.of(onboarding.agentJar()));
        var run = run(List.of("bash", Path.of("installers/tests/system-layout.sh").toAbsolutePath().toString(),
                "http://127.0.0.1:" + port, approval.installToken()), Map.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(run.exitCode() == 77, "needs root and unshare: " + run.output());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("system layout: all checks passed");
    }

    @Test
    void rotateKeyMovesTheNodeToANewKeyAndTheOldOneStopsWorking() throws Exception {
        var prefix = work.resolve("rotate");
        var nodeId = installedWithSoftwareKey(prefix);
        var keyFile = prefix.resolve("etc/noderr/key/node-key.pem");
        var oldKey = Files.copy(keyFile, work.resolve("old-key.pem"));
        var before = publicKeyInDatabase(nodeId);
        assertThat(keyRotatedAt(nodeId)).isNull();

        var rotate = rotateKey(prefix, Map.of(), "--key-type", "software");
        assertThat(rotate.exitCode()).as(rotate.output()).isZero();
        assertThat(rotate.output()).contains("The control plane took the new SOFTWARE key of node " + nodeId)
                .contains("logs in with the new SOFTWARE key");

        var after = publicKeyInDatabase(nodeId);
        assertThat(after).isNotEqualTo(before).isEqualTo(publicKeyOnDisk(prefix.resolve("etc/noderr/key")));
        assertThat(keyRotatedAt(nodeId)).isNotNull();
        assertThat(prefix.resolve("etc/noderr/key.new")).doesNotExist();
        assertThat(prefix.resolve("etc/noderr/key.old")).doesNotExist();
        assertThat(Files.readString(keyFile)).isNotEqualTo(Files.readString(oldKey));
        assertThat(authenticate(nodeId, nonce -> signWithPkcs8(keyFile, nonce))).isEqualTo(200);
        assertThat(authenticate(nodeId, nonce -> signWithPkcs8(oldKey, nonce))).isEqualTo(401);
        // The installed agent configuration still works as it is: a plain re-run authenticates with the new key.
        var again = install(prefix, Map.of());
        assertThat(again.exitCode()).as(again.output()).isZero();
    }

    /**
     * The control plane took the new key but the answer never came back (a proxy dropped it): the node's key on disk
     * is the old one, which no longer works. The next {@code --rotate-key} finds the new key accepted and swaps it in.
     */
    @Test
    void aRotationWhoseAnswerWasLostIsFinishedByTheNextRun() throws Exception {
        var prefix = work.resolve("lost-rotation");
        var nodeId = installedWithSoftwareKey(prefix);
        var keyDir = prefix.resolve("etc/noderr/key");
        var pending = prefix.resolve("etc/noderr/key.new");
        var before = publicKeyInDatabase(nodeId);

        var lost = rotateKey(prefix, curlFailingTheRotation(true), "--key-type", "software");
        assertThat(lost.exitCode()).as(lost.output()).isNotZero();
        assertThat(lost.output()).contains("both keys are kept").contains("--rotate-key again");
        assertThat(publicKeyInDatabase(nodeId)).isNotEqualTo(before).isEqualTo(publicKeyOnDisk(pending));
        assertThat(publicKeyOnDisk(keyDir)).isEqualTo(before);
        // Until it is finished, a plain re-run does not try the old key (nor advise to uninstall).
        var plain = install(prefix, Map.of());
        assertThat(plain.exitCode()).isNotZero();
        assertThat(plain.output()).contains("a key rotation of node " + nodeId + " did not finish");

        var rerun = rotateKey(prefix, Map.of());
        assertThat(rerun.exitCode()).as(rerun.output()).isZero();
        assertThat(rerun.output()).contains("The control plane already has the new key");
        assertThat(publicKeyOnDisk(keyDir)).isEqualTo(publicKeyInDatabase(nodeId));
        assertThat(pending).doesNotExist();
        assertThat(authenticate(nodeId, nonce -> signWithPkcs8(keyDir.resolve("node-key.pem"), nonce)))
                .isEqualTo(200);
    }

    /** The rotation never reached the control plane: the next run finds the old key still valid and starts over. */
    @Test
    void aRotationThatNeverReachedTheControlPlaneIsStartedOverByTheNextRun() throws Exception {
        var prefix = work.resolve("unsent-rotation");
        var nodeId = installedWithSoftwareKey(prefix);
        var keyDir = prefix.resolve("etc/noderr/key");
        var pending = prefix.resolve("etc/noderr/key.new");
        var before = publicKeyInDatabase(nodeId);

        var unsent = rotateKey(prefix, curlFailingTheRotation(false), "--key-type", "software");
        assertThat(unsent.exitCode()).as(unsent.output()).isNotZero();
        assertThat(publicKeyInDatabase(nodeId)).isEqualTo(before);
        var stale = publicKeyOnDisk(pending);

        var rerun = rotateKey(prefix, Map.of(), "--key-type", "software");
        assertThat(rerun.exitCode()).as(rerun.output()).isZero();
        assertThat(rerun.output()).contains("The control plane does not have the key in " + pending)
                .contains("an earlier rotation did not reach the control plane");
        var after = publicKeyInDatabase(nodeId);
        assertThat(after).isNotEqualTo(before).isNotEqualTo(stale).isEqualTo(publicKeyOnDisk(keyDir));
        assertThat(pending).doesNotExist();
    }

    @Test
    void tpmKeyRotationInASoftwareTpm() throws Exception {
        try (var tpm = SoftwareTpm.start(work.resolve("tpm-rotate"))) {
            var approval = Onboarding.approved(applications, Tier.ALL);
            var prefix = work.resolve("tpm-rotate-node");
            var env = Map.of("TPM2TOOLS_TCTI", tpm.tcti());
            var run = install(prefix, env, "--token", approval.installToken(), "--key-type", "tpm");
            assertThat(run.exitCode()).as(run.output()).isZero();
            var nodeId = config(prefix).getProperty("node-id");
            var before = publicKeyInDatabase(nodeId);
            // The old TPM key's blobs, to check that the control plane refuses that key afterwards.
            var oldConfig = Files.createDirectories(work.resolve("old-tpm-config"));
            copyDirectory(prefix.resolve("etc/noderr/key"), oldConfig.resolve("key"));

            var rotate = rotateKey(prefix, env, "--key-type", "tpm");
            assertThat(rotate.exitCode()).as(rotate.output()).isZero();
            assertThat(rotate.output()).contains("took the new TPM2 key");
            assertThat(publicKeyInDatabase(nodeId)).isNotEqualTo(before)
                    .isEqualTo(publicKeyOnDisk(prefix.resolve("etc/noderr/key")));
            assertThat(keyTypeInDatabase(nodeId)).isEqualTo("TPM2");
            var signer = prefix.resolve("etc/noderr/noderr-sign.sh");
            assertThat(authenticate(nodeId, nonce -> signWithHelper(signer, prefix.resolve("etc/noderr"), env,
                    nonce))).isEqualTo(200);
            assertThat(authenticate(nodeId, nonce -> signWithHelper(signer, oldConfig, env, nonce))).isEqualTo(401);
        }
    }

    private Run rotateKey(Path prefix, Map<String, String> env, String... extra) throws Exception {
        var command = new ArrayList<>(List.of("bash", INSTALLER.toString(), "--rotate-key", "--prefix",
                prefix.toString(), "--yes"));
        command.addAll(List.of(extra));
        return run(command, env);
    }

    /**
     * A {@code curl} first on the PATH that passes every request on to the real curl except the rotation: that one
     * reaches the control plane and its answer is dropped ({@code delivered}), or it never leaves the machine.
     */
    private Map<String, String> curlFailingTheRotation(boolean delivered) throws IOException {
        var path = System.getenv("PATH");
        var realCurl = java.util.Arrays.stream(path.split(":"))
                .map(dir -> Path.of(dir, "curl"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow();
        var bin = Files.createDirectories(work.resolve(delivered ? "curl-answer-lost" : "curl-unsent"));
        var failure = delivered
                ? "\"$REAL\" \"$@\" >/dev/null 2>&1; echo 'curl: (52) Empty reply from server' >&2; exit 52"
                : "echo 'curl: (7) Failed to connect' >&2; exit 7";
        var script = bin.resolve("curl");
        Files.writeString(script, """
                #!/usr/bin/env bash
                REAL='%s'
                for arg in "$@"; do
                    if [[ "$arg" == */api/v1/auth/rotate ]]; then %s; fi
                done
                exec "$REAL" "$@"
                """.formatted(realCurl, failure));
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return Map.of("PATH", bin + ":" + path);
    }

    private byte[] publicKeyInDatabase(String nodeId) {
        return jdbc.sql("SELECT public_key FROM nodes WHERE node_id = :id").param("id", nodeId).query(byte[].class)
                .single();
    }

    private java.sql.Timestamp keyRotatedAt(String nodeId) {
        return jdbc.sql("SELECT key_rotated_at FROM nodes WHERE node_id = :id").param("id", nodeId)
                .query(java.sql.Timestamp.class).optional().orElse(null);
    }

    /** The DER SubjectPublicKeyInfo of node-key.pub.pem in KEY_DIR. */
    private static byte[] publicKeyOnDisk(Path keyDir) throws IOException {
        var base64 = Files.readString(keyDir.resolve("node-key.pub.pem")).replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        return Base64.getDecoder().decode(base64);
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (var file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private Run install(Path prefix, Map<String, String> env, String... extra) throws Exception {
        var command = new ArrayList<>(List.of("bash", INSTALLER.toString(), "--prefix", prefix.toString(), "--url",
                "http://127.0.0.1:" + port, "--yes", "--force"));
        command.addAll(List.of(extra));
        return run(command, env);
    }

    private int authenticate(String nodeId, java.util.function.Function<byte[], byte[]> signer) {
        var api = new ApiClient(port);
        var nonce = api.post("/api/v1/auth/challenge", Map.of("nodeId", nodeId)).text("nonce");
        var signature = Base64.getEncoder().encodeToString(signer.apply(Base64.getDecoder().decode(nonce)));
        return api.post("/api/v1/auth/verify", Map.of("nodeId", nodeId, "nonce", nonce, "signature", signature))
                .status();
    }

    private static byte[] signWithPkcs8(Path pem, byte[] message) {
        try {
            var base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            var key = KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            var signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(key);
            signer.update(message);
            return signer.sign();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] signWithHelper(Path helper, Path configDir, Map<String, String> env, byte[] message) {
        try {
            var builder = new ProcessBuilder("bash", helper.toString(), configDir.toString());
            builder.environment().putAll(env);
            var process = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = process.getOutputStream()) {
                in.write(message);
            }
            var signature = process.getInputStream().readAllBytes();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
            return signature;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String keyTypeInDatabase(String nodeId) {
        return jdbc.sql("SELECT key_type FROM nodes WHERE node_id = :id").param("id", nodeId).query(String.class)
                .single();
    }

    private static Properties config(Path prefix) throws IOException {
        var properties = new Properties();
        try (var in = Files.newBufferedReader(prefix.resolve("etc/noderr/agent.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    private static Run run(List<String> command, Map<String, String> env) throws Exception {
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        var process = builder.start();
        var output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("installer finished").isTrue();
        return new Run(process.exitValue(), output);
    }

    /** A real TPM 2.0 simulator (swtpm) on loopback ports, stopped by its own process handle. */
    record SoftwareTpm(Process process, int port) implements AutoCloseable {

        static SoftwareTpm start(Path state) throws Exception {
            Files.createDirectories(state);
            int port = freePortPair();
            var process = new ProcessBuilder("swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
                            "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                            "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1",
                            "--flags", "not-need-init,startup-clear")
                    .redirectErrorStream(true)
                    .redirectOutput(state.resolve("swtpm.log").toFile())
                    .start();
            Awaitility.await("swtpm listening").atMost(Duration.ofSeconds(20)).until(() -> {
                try (var socket = new Socket("127.0.0.1", port)) {
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            return new SoftwareTpm(process, port);
        }

        String tcti() {
            return "swtpm:host=127.0.0.1,port=" + port;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        private static int freePortPair() throws IOException {
            for (int attempt = 0; attempt < 20; attempt++) {
                try (var first = new ServerSocket(0)) {
                    int port = first.getLocalPort();
                    try (var second = new ServerSocket(port + 1)) {
                        return port;
                    } catch (IOException e) {
                        // taken: try another pair
                    }
                }
            }
            throw new IOException("no free pair of loopback ports");
        }
    }
}
