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

    private Path script(String name, String body) throws IOException {
        var file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
