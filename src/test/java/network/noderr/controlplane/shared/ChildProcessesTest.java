package network.noderr.controlplane.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which setpriv ties a child to the JVM: util-linux's takes {@code --pdeathsig}; busybox's setpriv applet (the one a
 * busybox-based image such as the control plane's has) does not, and starting anvil through it failed every start.
 * Both are installed here by the test command (util-linux, busybox-static).
 */
class ChildProcessesTest {

    @Test
    void utilLinuxSetprivIsTaken() {
        assertThat(ChildProcesses.setsDeathSignal(Path.of("/usr/bin/setpriv"))).isTrue();
        assertThat(ChildProcesses.setpriv()).contains(Path.of("/usr/bin/setpriv"));
    }

    @Test
    void busyboxsSetprivAppletIsNot(@TempDir Path dir) throws Exception {
        var applet = Files.createSymbolicLink(dir.resolve("setpriv"), Path.of("/bin/busybox"));
        assertThat(Files.isExecutable(applet)).as("busybox-static installed").isTrue();
        assertThat(ChildProcesses.setsDeathSignal(applet)).isFalse();
    }

    @Test
    void aChildStartedThroughItRuns() throws Exception {
        var child = ChildProcesses.startTiedToJvm(new ProcessBuilder("sh", "-c", "exit 7"));
        assertThat(child.waitFor()).isEqualTo(7);
    }
}
