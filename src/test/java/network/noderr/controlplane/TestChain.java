package network.noderr.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import network.noderr.controlplane.beacon.EmbeddedChain;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.springframework.util.FileSystemUtils;

/**
 * One real EVM (anvil from the contracts' npm dependencies) with VersionBeacon deployed, for the whole test JVM. The
 * application contexts use it as a configured chain (RPC URL, contract address, keystore), which is the production
 * path; the embedded-chain start itself is what brings it up.
 */
public class TestChain implements LauncherSessionListener {

    /** The anvil binary, relative to the project directory (the tests' working directory). */
    public static final Path ANVIL = Path.of("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");

    private static EmbeddedChain chain;
    private static Path dataDir;

    @Override
    public synchronized void launcherSessionOpened(LauncherSession session) {
        if (chain != null) {
            return;
        }
        try {
            dataDir = Files.createTempDirectory("noderr-test-chain");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chain = EmbeddedChain.start(ANVIL, dataDir, 0);
        var s = chain.settings();
        System.setProperty("noderr.beacon.rpc-url", s.rpcUrl());
        System.setProperty("noderr.beacon.chain-id", "31337");
        System.setProperty("noderr.beacon.contract-address", s.contractAddress());
        System.setProperty("noderr.beacon.start-block", Long.toString(s.deployBlock()));
        System.setProperty("noderr.beacon.keystore-path", s.keystore().toString());
        System.setProperty("noderr.beacon.keystore-password", s.keystorePassword());
        System.setProperty("noderr.beacon.confirmations", "0");
        System.setProperty("noderr.beacon.poll-interval", "300ms");
    }

    /** The shared chain's settings (RPC URL, contract, signing keystore). */
    public static EmbeddedChain.Settings settings() {
        return chain.settings();
    }

    @Override
    public synchronized void launcherSessionClosed(LauncherSession session) {
        if (chain != null) {
            chain.close();
            chain = null;
            FileSystemUtils.deleteRecursively(dataDir.toFile());
        }
    }
}
