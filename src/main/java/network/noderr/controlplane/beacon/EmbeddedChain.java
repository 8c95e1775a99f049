package network.noderr.controlplane.beacon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.shared.ChildProcesses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * A local chain for the zero-configuration default: anvil (from the contracts' npm dependencies) on 127.0.0.1 with
 * its state kept in the data directory, a signing account in an encrypted keystore generated on first start (its
 * random password in a 0600 file beside it), and VersionBeacon deployed once. The contract address is remembered;
 * it is deployed again only when the chain state is gone.
 *
 * <p>anvil does not outlive the JVM: on Linux it is started through {@code setpriv --pdeathsig TERM}, so it is
 * stopped (and writes its state) even when the control plane is killed with SIGKILL. While the chain runs, the control
 * plane holds a lock on {@value #LOCK_FILE} in the data directory; a start that finds the lock free but an anvil
 * still running on this data directory's state (left by a run that was killed before this protection, or on a system
 * without setpriv) stops that anvil first. A live control plane on the same directory, or another program on the
 * port, is never touched: the start fails with an error that says so.
 */
public final class EmbeddedChain implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedChain.class);
    static final long CHAIN_ID = 31337;
    private static final BigInteger FUNDING = new BigInteger("1000000000000000000000"); // 1000 ETH, local only
    /** Held (an OS file lock, released when the JVM ends however it ends) while this data directory's chain runs. */
    static final String LOCK_FILE = "anvil.lock";
    static final String STATE_FILE = "anvil-state.json";

    /** What the control plane needs to use the chain, as if it had been configured. */
    public record Settings(String rpcUrl, String contractAddress, long deployBlock, Path keystore,
            String keystorePassword) {}

    private final Process anvil;
    private final FileLock lock;
    private final Settings settings;

    private EmbeddedChain(Process anvil, FileLock lock, Settings settings) {
        this.anvil = anvil;
        this.lock = lock;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Starts anvil on {@code port} (0 = a free one), creates the signer and deploys VersionBeacon if needed. */
    public static EmbeddedChain start(Path anvilBinary, Path dataDirectory, int port) {
        var dir = dataDirectory.toAbsolutePath();
        if (!Files.isExecutable(anvilBinary)) {
            throw new IllegalStateException("anvil was not found at " + anvilBinary.toAbsolutePath() + ". Run "
                    + "'npm ci' in contracts/ (the build does it), or set noderr.beacon.embedded.anvil, or configure "
                    + "a chain with noderr.beacon.rpc-url.");
        }
        Process process = null;
        FileLock lock = null;
        try {
            Files.createDirectories(dir);
            lock = lock(dir);
            stopLeftovers(dir);
            int p = port == 0 ? freePort() : port;
            requireFreePort(p);
            var rpcUrl = "http://127.0.0.1:" + p;
            process = ChildProcesses.startTiedToJvm(new ProcessBuilder(List.of(anvilBinary.toAbsolutePath().toString(),
                            "--host", "127.0.0.1", "--port", Integer.toString(p),
                            "--chain-id", Long.toString(CHAIN_ID),
                            "--state", dir.resolve(STATE_FILE).toString(),
                            "--state-interval", "5"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("anvil.log").toFile()));
            var web3j = Web3j.build(new HttpService(rpcUrl));
            try {
                awaitReady(web3j, process, dir, p);
                var keystore = keystore(dir);
                var credentials = WalletUtils.loadCredentials(keystore.password(), keystore.file().toFile());
                new Request<>("anvil_setBalance", List.of(credentials.getAddress(), "0x" + FUNDING.toString(16)),
                        new HttpService(rpcUrl), VoidResponse.class).send();
                var deployed = contract(web3j, credentials, dir);
                log.info("Embedded chain: anvil on {} (chain {}), VersionBeacon {} (deployed in block {}), state in {}",
                        rpcUrl, CHAIN_ID, deployed.address(), deployed.block(), dir);
                return new EmbeddedChain(process, lock, new Settings(rpcUrl, deployed.address(), deployed.block(),
                        keystore.file(), keystore.password()));
            } finally {
                web3j.shutdown();
            }
        } catch (Exception e) {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            release(lock);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("The embedded chain could not start (see " + dir.resolve("anvil.log")
                    + "): " + e.getMessage(), e);
        }
    }

    /** Locks the data directory for this run, or fails when a live control plane holds it. */
    private static FileLock lock(Path dir) throws IOException {
        var channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw inUse(dir, "it holds " + dir.resolve(LOCK_FILE));
        }
        return lock;
    }

    private static IllegalStateException inUse(Path dir, String how) {
        return new IllegalStateException("The embedded chain's data directory " + dir + " is in use by another "
                + "running control plane (" + how + "). Stop it first, or set noderr.beacon.embedded.data-directory "
                + "(NODERR_DATA_DIR) to another directory.");
    }

    /**
     * Stops an anvil that an earlier run on this data directory left running (its control plane was killed): one
     * whose command line is anvil's with {@code --state} this directory's state file. It is asked to stop (SIGTERM,
     * so it writes its state), forcibly after 10 s. One whose parent is still a running java process belongs to a
     * live control plane (one from before the lock file) and is left alone.
     */
    private static void stopLeftovers(Path dir) {
        var state = dir.resolve(STATE_FILE);
        for (var leftover : ChildProcesses.find(commandLine -> ChildProcesses.runs(commandLine, "anvil")
                && ChildProcesses.hasPathOption(commandLine, "--state", state))) {
            var parent = leftover.parent().filter(ProcessHandle::isAlive)
                    .flatMap(p -> ChildProcesses.commandLine(p.pid()));
            if (parent.filter(commandLine -> ChildProcesses.runs(commandLine, "java")).isPresent()) {
                throw inUse(dir, "its anvil, pid " + leftover.pid() + ", is a child of java process "
                        + leftover.parent().map(ProcessHandle::pid).orElse(0L));
            }
            log.warn("Stopping anvil (pid {}) left running on {} by an earlier run of the control plane that ended "
                    + "without stopping it", leftover.pid(), dir);
            if (!ChildProcesses.stop(leftover, Duration.ofSeconds(10))) {
                throw new IllegalStateException("anvil (pid " + leftover.pid() + ") left running on " + dir
                        + " by an earlier run could not be stopped; stop it, then start again.");
            }
        }
    }

    /** Fails with a clear message when another program listens on the port. */
    private static void requireFreePort(int port) throws IOException {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
        } catch (BindException e) {
            throw new IllegalStateException("Port " + port + " on 127.0.0.1 is taken by another program, so the "
                    + "embedded chain (anvil) cannot listen on it. Stop that program, or set "
                    + "noderr.beacon.embedded.port (NODERR_BEACON_EMBEDDED_PORT) to a free port (0: any).", e);
        }
    }

    private static void release(@Nullable FileLock lock) {
        if (lock == null) {
            return;
        }
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            log.warn("Could not release {}: {}", LOCK_FILE, e.getMessage());
        }
    }

    private record Keystore(Path file, String password) {}

    private record Deployed(String address, long block) {}

    private static Keystore keystore(Path dir) throws Exception {
        var keys = dir.resolve("keystore");
        var passwordFile = dir.resolve("keystore.password");
        if (Files.isDirectory(keys) && Files.exists(passwordFile)) {
            try (var files = Files.list(keys)) {
                var file = files.filter(f -> f.getFileName().toString().endsWith(".json")).findFirst();
                if (file.isPresent()) {
                    return new Keystore(file.get(), Files.readString(passwordFile).strip());
                }
            }
        }
        Files.createDirectories(keys);
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        var password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Files.deleteIfExists(passwordFile);
        Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, password);
        var name = WalletUtils.generateLightNewWalletFile(password, keys.toFile());
        return new Keystore(keys.resolve(name), password);
    }

    private static Deployed contract(Web3j web3j, Credentials credentials, Path dir) throws Exception {
        var record = dir.resolve("beacon.properties");
        if (Files.exists(record)) {
            var props = new Properties();
            try (var in = Files.newInputStream(record)) {
                props.load(in);
            }
            var address = props.getProperty("contract-address");
            var code = web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send().getCode();
            if (code != null && !code.equals("0x")) {
                return new Deployed(address, Long.parseLong(props.getProperty("deploy-block")));
            }
            log.warn("The chain state no longer holds VersionBeacon {}; deploying it again", address);
        }
        // Poll for the receipt every 100 ms (web3j's default waits 15 s between polls).
        var manager = new RawTransactionManager(web3j, credentials, CHAIN_ID,
                new PollingTransactionReceiptProcessor(web3j, 100, 600));
        var gasPrice = web3j.ethGasPrice().send().getGasPrice();
        var beacon = VersionBeacon.deploy(web3j, manager, new StaticGasProvider(gasPrice, BigInteger.valueOf(5_000_000)),
                credentials.getAddress()).send();
        var receipt = beacon.getTransactionReceipt().orElseThrow();
        var deployed = new Deployed(beacon.getContractAddress(), receipt.getBlockNumber().longValueExact());
        var props = new Properties();
        props.setProperty("contract-address", deployed.address());
        props.setProperty("deploy-block", Long.toString(deployed.block()));
        props.setProperty("chain-id", Long.toString(CHAIN_ID));
        try (var out = Files.newOutputStream(record)) {
            props.store(out, "VersionBeacon deployed by the control plane on its embedded chain");
        }
        return deployed;
    }

    private static void awaitReady(Web3j web3j, Process process, Path dir, int port) throws Exception {
        var deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("anvil exited with code " + process.exitValue() + " (is port " + port
                        + " taken?). Its log: " + dir.resolve("anvil.log"));
            }
            try {
                web3j.ethChainId().send();
                return;
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("anvil did not answer on port " + port + " within 30 s", e);
                }
                Thread.sleep(50);
            }
        }
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops anvil gracefully, so that it writes its state; forcibly after 10 s. */
    @Override
    public void close() {
        anvil.destroy();
        try {
            if (!anvil.waitFor(10, TimeUnit.SECONDS)) {
                anvil.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            anvil.destroyForcibly();
        } finally {
            release(lock);
        }
    }
}
