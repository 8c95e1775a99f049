package network.noderr.agent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sign command (the installer's noderr-sign.sh; TPM keys need it) as a real process: shell scripts here. */
class NodeSignerTest {

    @TempDir
    Path dir;

    @Test
    void returnsWhatTheCommandWritesForTheMessage() throws Exception {
        var command = script("sign.sh", "read -r message; printf 'signed:%s' \"$message\"");
        var signer = NodeSigner.command(command, dir, Duration.ofSeconds(10));
        assertThat(new String(signer.sign("nonce\n".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
                .isEqualTo("signed:nonce");
    }

    @Test
    void aCommandThatHangsIsStoppedAtTheTimeoutWithAClearError() throws Exception {
        // Hangs (a TPM that does not answer) and would then print a signature: the timeout must win.
        var command = script("hung.sh", "cat > /dev/null; sleep 5; printf late-signature");
        var signer = NodeSigner.command(command, dir, Duration.ofMillis(300));
        assertThatThrownBy(() -> signer.sign("nonce".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not sign within 300 ms");
    }

    @Test
    void aFailingCommandIsAnError() throws Exception {
        var command = script("fails.sh", "cat > /dev/null; echo 'no TPM' >&2; exit 3");
        assertThatThrownBy(() -> NodeSigner.command(command, dir, Duration.ofSeconds(10)).sign(new byte[] {1}))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("failed to sign (exit 3");
    }

    @Test
    void whatTheCommandLeftRunningHoldingItsOutputIsStoppedAndTheSignatureRead() throws Exception {
        // Exits at once, but a helper it started in the background keeps its standard output open.
        var pidFile = dir.resolve("helper.pid");
        var command = script("leaves-helper.sh", "cat > /dev/null; sleep 300 & echo $! > '" + pidFile
                + "'; printf signed");
        var signer = NodeSigner.command(command, dir, Duration.ofSeconds(20));
        assertThat(new String(signer.sign("nonce".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
                .isEqualTo("signed");
        long helper = Long.parseLong(Files.readString(pidFile).strip());
        assertStops(helper);
    }

    @Test
    void aHungCommandIsStoppedWithWhatItStarted() throws Exception {
        var pidFile = dir.resolve("helper.pid");
        var command = script("hangs-with-helper.sh", "sleep 300 & echo $! > '" + pidFile + "'; sleep 300");
        var signer = NodeSigner.command(command, dir, Duration.ofMillis(500));
        assertThatThrownBy(() -> signer.sign(new byte[] {1})).isInstanceOf(IOException.class)
                .hasMessageContaining("did not sign within 500 ms");
        long helper = Long.parseLong(Files.readString(pidFile).strip());
        assertStops(helper);
    }

    /** Waits until {@code pid} no longer runs (gone, or a zombie its new parent has not reaped yet). */
    private static void assertStops(long pid) {
        try {
            org.awaitility.Awaitility.await("process " + pid + " stopped").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20)).until(() -> !runs(pid));
        } finally {
            ProcessHandle.of(pid).filter(p -> runs(pid)).ifPresent(ProcessHandle::destroyForcibly); // after a failure
        }
    }

    private static boolean runs(long pid) {
        try {
            var stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false; // no such process
        }
    }

    private Path script(String name, String body) throws IOException {
        var file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
