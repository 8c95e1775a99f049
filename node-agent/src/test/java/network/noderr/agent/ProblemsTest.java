package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.docker.NodeContainers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Errors as one line that says what failed and why, each level once, from real failures: a control plane nothing
 * listens for (named with its address), a Docker socket that does not exist (named as configured), a wrapper that only
 * repeats its cause, a file the user may not read.
 */
class ProblemsTest {

    @TempDir
    Path dir;

    @Test
    void aRefusedConnectionNamesTheAddress() throws Exception {
        int closed;
        try (var socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        var controlPlane = new ControlPlane(URI.create("http://127.0.0.1:" + closed), "ndr_x", message -> new byte[0],
                Clock.systemUTC());
        assertThatThrownBy(() -> controlPlane.version(null))
                .satisfies(e -> assertThat(Problems.describe(e))
                        .startsWith("cannot connect to http://127.0.0.1:" + closed + " (")
                        .doesNotContain("java.net"));
    }

    @Test
    void aMissingDockerSocketIsNamedAsConfigured() throws Exception {
        var socket = "unix://" + dir.resolve("docker.sock");
        try (var containers = new NodeContainers(socket)) {
            assertThatThrownBy(() -> containers.inspect("node"))
                    .isInstanceOf(NodeContainers.Unreachable.class)
                    .satisfies(e -> assertThat(Problems.describe(e))
                            .startsWith("Docker at " + socket + " did not answer (the socket does not exist: is "
                                    + "Docker running, and is docker-host right?)")
                            .doesNotContain("java.").doesNotContain("localhost:2375"));
        }
    }

    @Test
    void eachLevelOnceWithoutClassNames() {
        var wrapped = new RuntimeException(new java.net.SocketException("No such file or directory"));
        assertThat(Problems.describe(wrapped)).isEqualTo("No such file or directory");
        var file = "/var/lib/noderr/failed-target.json";
        var denied = new java.io.UncheckedIOException("Could not delete " + file,
                new java.nio.file.AccessDeniedException(file));
        assertThat(Problems.describe(denied)).isEqualTo("Could not delete " + file + ": permission denied");
        assertThat(Problems.describe(new java.nio.file.AccessDeniedException(file)))
                .isEqualTo(file + ": permission denied");
        assertThat(Problems.describe("cannot read " + file, new java.nio.file.AccessDeniedException(file)))
                .isEqualTo("cannot read " + file + ": permission denied");
    }
}
