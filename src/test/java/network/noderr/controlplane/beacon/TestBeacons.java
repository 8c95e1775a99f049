package network.noderr.controlplane.beacon;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/** Fresh VersionBeacon deployments on the test chain, and the accounts that use them. */
final class TestBeacons {

    /** anvil's well-known second development account: funded, holds no role on our contracts. */
    static final Credentials STRANGER =
            Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    private static final AtomicInteger VERSIONS = new AtomicInteger();

    private TestBeacons() {}

    static Credentials deployer() {
        try {
            var s = TestChain.settings();
            return WalletUtils.loadCredentials(s.keystorePassword(), s.keystore().toFile());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Web3j web3j() {
        return Web3j.build(new HttpService(TestChain.settings().rpcUrl()));
    }

    /** A new VersionBeacon whose admin and publisher is the deployer; writes wait for their receipts. */
    static VersionBeacon deploy(Web3j web3j) throws Exception {
        var deployer = deployer();
        return VersionBeacon.deploy(web3j, manager(web3j, deployer), gas(web3j),
                deployer.getAddress()).send();
    }

    /** The same contract used by another account. */
    static VersionBeacon as(VersionBeacon contract, Web3j web3j, Credentials who) throws Exception {
        return VersionBeacon.load(contract.getContractAddress(), web3j, manager(web3j, who),
                gas(web3j));
    }

    /** Signs as {@code who} and polls for receipts every 50 ms. */
    static RawTransactionManager manager(Web3j web3j, Credentials who) {
        return new RawTransactionManager(web3j, who, 31337, new PollingTransactionReceiptProcessor(web3j, 50, 200));
    }

    static StaticGasProvider gasUnchecked(Web3j web3j) {
        try {
            return gas(web3j);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static StaticGasProvider gas(Web3j web3j) throws Exception {
        return new StaticGasProvider(web3j.ethGasPrice().send().getGasPrice(), BigInteger.valueOf(3_000_000));
    }

    /** A version string no other test in this JVM uses (the chain and database are shared). */
    static String uniqueVersion() {
        return "9." + (System.currentTimeMillis() / 1000 % 100_000) + "." + VERSIONS.incrementAndGet();
    }

    static byte[] digest(int seed) {
        var bytes = new byte[32];
        bytes[31] = (byte) seed;
        bytes[0] = (byte) 0xab;
        return bytes;
    }

    static String digestString(int seed) {
        return "sha256:" + HexFormat.of().formatHex(digest(seed));
    }

    static BigInteger n(long value) {
        return BigInteger.valueOf(value);
    }
}
