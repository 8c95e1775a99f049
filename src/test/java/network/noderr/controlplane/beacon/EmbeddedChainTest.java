package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import network.noderr.controlplane.ChildJvm;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.shared.ChildProcesses;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.WalletUtils;

/** The zero-configuration chain: deployed once, remembered across restarts, redeployed only when the state is gone. */
class EmbeddedChainTest {

    @Test
    void remembersTheContractAcrossRestartsAndRedeploysOnlyWhenTheChainStateIsGone(@TempDir Path dir)
            throws Exception {
        String address;
        String signer;
        try (var chain = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            address = chain.settings().contractAddress();
            signer = signer(chain);
            assertThat(Files.readString(dir.resolve("keystore.password"))).doesNotContain(signer.substring(2));
            assertThat(Files.getPosixFilePermissions(dir.resolve("keystore.password")))
                    .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        }
        assertThat(dir.resolve("anvil-state.json")).exists();

        try (var again = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            assertThat(again.settings().contractAddress()).as("not redeployed").isEqualTo(address);
            assertThat(signer(again)).as("same signing account").isEqualTo(signer);
        }

        Files.delete(dir.resolve("anvil-state.json"));
        try (var fresh = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            // A new chain: the same deployer at nonce 0 lands at the same address, so check the code is there again.
            var beacon = BeaconChain.connect(fresh.settings().rpcUrl(), 31337, fresh.settings().contractAddress(),
                    WalletUtils.loadCredentials(fresh.settings().keystorePassword(),
                            fresh.settings().keystore().toFile()));
            try {
                java.math.BigInteger versions = beacon.read(c -> c.versionCount(BeaconTiers.index(Tier.ALL)));
                assertThat(versions).isZero();
                assertThat(beacon.headBlock()).as("a fresh chain, with only the deployment").isEqualTo(1);
            } finally {
                beacon.close();
            }
        }
    }

    @Test
    void anvilEndsWithAControlPlaneKilledWithSigkillWhileALiveOneKeepsIt(@TempDir Path dir) throws Exception {
        var anvil = TestChain.ANVIL.toAbsolutePath().toString();
        try (var controlPlane = ChildJvm.start("chain", dir.toString(), anvil, "0")) {
            var child = controlPlane.handle().children()
                    .filter(p -> ChildProcesses.commandLine(p.pid()).filter(c -> ChildProcesses.runs(c, "anvil"))
                            .isPresent())
                    .findFirst().orElseThrow();

            // A second start on the same data directory while that control plane lives: refused, nothing stopped.
            assertThatThrownBy(() -> EmbeddedChain.start(TestChain.ANVIL, dir, 0))
                    .hasMessageContaining("is in use by another running control plane")
                    .hasMessageContaining(EmbeddedChain.LOCK_FILE);
            assertThat(child.isAlive()).isTrue();

            controlPlane.killHard();
            assertThat(ChildProcesses.awaitExit(child, Duration.ofSeconds(10)))
                    .as("anvil ends with the JVM that started it (kill -9)").isTrue();
        }
        var address = Files.readString(dir.resolve("beacon.properties"));
        try (var again = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            assertThat(address).contains(again.settings().contractAddress());
        }
    }

    @Test
    void anAnvilLeftByAnEarlierRunIsStoppedButAForeignProgramOnThePortIsNot(@TempDir Path dir, @TempDir Path other)
            throws Exception {
        String address;
        try (var first = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            address = first.settings().contractAddress();
        }
        // anvil as a control plane killed before this protection left it: started the same way, never stopped, its
        // parent gone.
        int port = freePort();
        var leftover = anvil(port, dir.resolve(EmbeddedChain.STATE_FILE));
        assertThat(leftover.parent().map(ProcessHandle::pid)).isNotEqualTo(ProcessHandle.current().pid());
        ProcessHandle foreign = null;
        try {
            try (var chain = EmbeddedChain.start(TestChain.ANVIL, dir, port)) {
                assertThat(leftover.isAlive()).as("the leftover was stopped").isFalse();
                assertThat(chain.settings().rpcUrl()).isEqualTo("http://127.0.0.1:" + port);
                assertThat(chain.settings().contractAddress()).as("its state was kept").isEqualTo(address);
            }

            // Another anvil (another data directory) on the port: not ours, left alone, and the start says why.
            int taken = freePort();
            foreign = anvil(taken, other.resolve(EmbeddedChain.STATE_FILE));
            assertThatThrownBy(() -> EmbeddedChain.start(TestChain.ANVIL, dir, taken))
                    .hasMessageContaining("Port " + taken + " on 127.0.0.1 is taken by another program")
                    .hasMessageContaining("NODERR_BEACON_EMBEDDED_PORT");
            assertThat(foreign.isAlive()).isTrue();
            // Any other program on the port alike.
            try (var socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                assertThatThrownBy(() -> EmbeddedChain.start(TestChain.ANVIL, dir, socket.getLocalPort()))
                        .hasMessageContaining("is taken by another program");
            }
            // ... and the data directory is free again afterwards.
            try (var chain = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
                assertThat(chain.settings().contractAddress()).isEqualTo(address);
            }
        } finally {
            leftover.destroyForcibly();
            if (foreign != null) {
                foreign.destroyForcibly();
            }
        }
    }

    /**
     * anvil with the command line the control plane gives it, answering on the port when this returns; an orphan
     * (started by a shell that has ended) like one whose control plane was killed.
     */
    private static ProcessHandle anvil(int port, Path state) throws Exception {
        var command = List.of(TestChain.ANVIL.toAbsolutePath().toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--chain-id", "31337", "--state", state.toString(),
                "--state-interval", "5");
        var shell = new java.util.ArrayList<>(List.of("sh", "-c", "\"$0\" \"$@\" >/dev/null 2>&1 &"));
        shell.addAll(command);
        new ProcessBuilder(shell).start().waitFor();
        for (int i = 0; i < 300; i++) {
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return ChildProcesses.find(c -> c.equals(command)).getFirst();
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("anvil did not listen on " + port);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String signer(EmbeddedChain chain) throws Exception {
        return WalletUtils.loadCredentials(chain.settings().keystorePassword(), chain.settings().keystore().toFile())
                .getAddress();
    }
}
