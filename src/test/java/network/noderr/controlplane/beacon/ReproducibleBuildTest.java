package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract build is reproducible: the same sources always give the bytecode the Java wrapper deploys. */
class ReproducibleBuildTest {

    @Test
    void sameSourcesGiveTheSameBytecodeAsTheWrapperEmbeds(@TempDir Path dir) throws Exception {
        var first = build(dir.resolve("first"));
        var second = build(dir.resolve("second"));

        assertThat(Files.readString(first.resolve("VersionBeacon.bin")))
                .isEqualTo(Files.readString(second.resolve("VersionBeacon.bin")))
                .isEqualTo(VersionBeacon.BINARY)
                .isNotEmpty();
        assertThat(Files.readString(first.resolve("VersionBeacon.abi")))
                .isEqualTo(Files.readString(second.resolve("VersionBeacon.abi")));
        var record = Files.readString(first.resolve("VersionBeacon.json"));
        assertThat(record).contains("\"compiler\": \"solc 0.8.37+commit.").contains("\"evmVersion\": \"cancun\"")
                .contains("\"runs\": 200");
    }

    private static Path build(Path out) throws Exception {
        var process = new ProcessBuilder("node", "build.mjs", out.toString())
                .directory(Path.of("contracts").toFile())
                .redirectErrorStream(true)
                .start();
        var output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return out;
    }
}
