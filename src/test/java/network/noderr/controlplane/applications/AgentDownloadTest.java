package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestAgentJar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The installers download the agent from the control plane, without credentials. */
@IntegrationTest
class AgentDownloadTest {

    @LocalServerPort
    int port;

    @Autowired
    OnboardingProperties properties;

    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void removeJar() throws Exception {
        Files.deleteIfExists(jar());
    }

    @Test
    void theConfiguredJarIsServedToAnyoneWithConditionalAndRangeRequests() throws Exception {
        var bytes = TestAgentJar.write(jar());

        var response = get(HttpRequest.newBuilder(url()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(bytes);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/java-archive");
        assertThat(response.headers().firstValue("Content-Disposition")).hasValueSatisfying(
                v -> assertThat(v).contains("noderr-agent.jar"));
        var lastModified = response.headers().firstValue("Last-Modified").orElseThrow();

        var unchanged = get(HttpRequest.newBuilder(url()).header("If-Modified-Since", lastModified));
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();

        var rest = get(HttpRequest.newBuilder(url()).header("Range", "bytes=2-"));
        assertThat(rest.statusCode()).as("a broken download resumes").isEqualTo(206);
        assertThat(rest.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 2, bytes.length));
    }

    @Test
    void theJarsSha256IsPublishedAndFollowsAReplacedJar() throws Exception {
        var bytes = TestAgentJar.write(jar());
        var response = get(HttpRequest.newBuilder(sha256Url()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/plain"));
        assertThat(new String(response.body())).isEqualTo(sha256Hex(bytes) + "  noderr-agent.jar\n");

        // A new agent (other content and size) gets its own digest at once, without a restart.
        var other = java.util.Arrays.copyOf(bytes, bytes.length + 7);
        Files.write(jar(), other);
        Files.setLastModifiedTime(jar(), java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(jar()).toMillis() + 2000));
        assertThat(new String(get(HttpRequest.newBuilder(sha256Url())).body()))
                .isEqualTo(sha256Hex(other) + "  noderr-agent.jar\n")
                .isNotEqualTo(sha256Hex(bytes) + "  noderr-agent.jar\n");

        Files.delete(jar());
        var missing = get(HttpRequest.newBuilder(sha256Url()));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(new String(missing.body())).contains("agent-unavailable");
    }

    @Test
    void withoutAJarTheAnswerSaysWhatToDo() throws Exception {
        Files.deleteIfExists(jar());
        var response = get(HttpRequest.newBuilder(url()));
        assertThat(response.statusCode()).isEqualTo(404);
        var body = new String(response.body());
        assertThat(body).contains("agent-unavailable").contains("NODERR_AGENT_JAR").contains("--agent-jar");
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + port + "/downloads/noderr-agent.jar");
    }

    private URI sha256Url() {
        return URI.create("http://127.0.0.1:" + port + "/downloads/noderr-agent.jar.sha256");
    }

    private static String sha256Hex(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private HttpResponse<byte[]> get(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private Path jar() {
        return Path.of(properties.agentJar());
    }
}
