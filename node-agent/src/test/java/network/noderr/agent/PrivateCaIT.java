package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane whose TLS certificate a private CA issued, as the packaged jar meets it: a real TLS server (the
 * JDK's) with a CA and server certificate made by openssl. Without {@code ca-file} the agent refuses the certificate
 * and says what to do; with it, {@code register} and the daemon get through to the API; a file that is not a
 * certificate is a configuration error.
 */
class PrivateCaIT {

    @TempDir
    Path dir;

    private HttpsServer server;
    private final Queue<String> seen = new ConcurrentLinkedQueue<>();
    private String url;

    @BeforeEach
    void startServer() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=Test Private CA", "-keyout", "ca.key", "-out", "ca.pem");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", "server.key", "-out", "server.csr");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "server.pem");
        openssl("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-passout", "pass:changeit",
                "-out", "server.p12");

        var keys = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(dir.resolve("server.p12").toFile())) {
            keys.load(in, "changeit".toCharArray());
        }
        var keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        var tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            exchange.getRequestBody().readAllBytes();
            var body = ("{\"type\":\"https://noderr.network/problems/install-token-unknown\",\"status\":401,"
                    + "\"detail\":\"This install token does not exist.\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        url = "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void registerTrustsThePrivateCaOnlyWhenGivenIt() throws Exception {
        var untrusted = agent(List.of("register", "--url", url, "-c", dir.resolve("a/agent.properties").toString()));
        assertThat(untrusted.code()).isEqualTo(1);
        assertThat(untrusted.out()).contains("Cannot reach the control plane")
                .contains("not signed by a CA this agent trusts").contains("ca-file");
        assertThat(seen).isEmpty();

        var trusted = agent(List.of("register", "--url", url, "--ca-file", dir.resolve("ca.pem").toString(), "-c",
                dir.resolve("b/agent.properties").toString()));
        assertThat(trusted.out()).contains("Registration refused: HTTP 401: This install token does not exist.");
        assertThat(seen).containsExactly("POST /api/v1/auth/register");

        Files.writeString(dir.resolve("not-a-ca.pem"), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                + "-----END CERTIFICATE-----\n");
        var bad = agent(List.of("register", "--url", url, "--ca-file", dir.resolve("not-a-ca.pem").toString(), "-c",
                dir.resolve("c/agent.properties").toString()));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).contains("--ca-file must be a readable PEM file of CA certificates");
        assertThat(seen).hasSize(1);
    }

    @Test
    void theDaemonTrustsTheCaFileOfItsConfiguration() throws Exception {
        var config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "control-plane-url=" + url, "node-id=node-0123456789abcdef",
                "tier=ORACLE", "key-type=SOFTWARE", "key-path=" + dir.resolve("node-key.pem"),
                "state-dir=" + dir.resolve("state"), "docker-host=unix://" + dir.resolve("no-docker.sock"),
                "metrics-port=0", "check-interval=PT5S", "jitter=PT0S", "ca-file=" + dir.resolve("ca.pem"), ""));
        agent(List.of("register", "--url", url, "-c", dir.resolve("key/agent.properties").toString(), "--key-path",
                dir.resolve("node-key.pem").toString())); // only to create the node key; refused without the CA
        seen.clear();

        var log = dir.resolve("daemon.log");
        var daemon = start(List.of("run", "--config", config.toString()), log);
        try {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(seen)
                    .as("the daemon logs in over TLS; its log:%n%s", Files.readString(log))
                    .contains("POST /api/v1/auth/challenge"));
        } finally {
            daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }

        Files.writeString(config, Files.readString(config).replace("ca-file=" + dir.resolve("ca.pem"),
                "ca-file=" + dir.resolve("missing.pem")));
        var invalid = agent(List.of("run", "--config", config.toString()));
        assertThat(invalid.code()).isEqualTo(2);
        assertThat(invalid.out()).contains("ca-file: must be a readable PEM file of CA certificates");
    }

    private void openssl(String... args) throws Exception {
        var command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        var process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        var out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
    }

    private record Result(int code, String out) {}

    private Result agent(List<String> args) throws Exception {
        var process = start(args, null);
        var out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out);
    }

    private Process start(List<String> args, Path output) throws Exception {
        var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", Path.of("target/noderr-agent.jar").toAbsolutePath().toString()));
        command.addAll(args);
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("NODERR_"));
        builder.environment().putAll(Map.of("NODERR_INSTALL_TOKEN", "bogus-install-token-0123456789abcdef"));
        if (output != null) {
            builder.redirectOutput(output.toFile());
        }
        return builder.start();
    }
}
