package network.noderr.controlplane.beacon;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;

/**
 * The chain this control plane uses: the configured one, or the embedded local chain started for it. Holds the
 * indexing start block and confirmation depth that go with it.
 */
class BeaconConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BeaconConnection.class);

    private final BeaconChain chain;
    private final @Nullable EmbeddedChain embedded;
    private final long startBlock;
    private final int confirmations;
    private final @Nullable String nodeRpcUrl;

    BeaconConnection(BeaconChain chain, @Nullable EmbeddedChain embedded, long startBlock, int confirmations,
            @Nullable String nodeRpcUrl) {
        this.chain = chain;
        this.nodeRpcUrl = nodeRpcUrl;
        this.embedded = embedded;
        this.startBlock = startBlock;
        this.confirmations = confirmations;
    }

    static BeaconConnection open(BeaconProperties p) {
        if (p.embeddedChain()) {
            var embedded = EmbeddedChain.start(p.embedded().anvil(), p.embedded().dataDirectory(), p.embedded().port());
            try {
                var s = embedded.settings();
                var chain = BeaconChain.connect(s.rpcUrl(), EmbeddedChain.CHAIN_ID, s.contractAddress(),
                        credentials(s.keystore(), s.keystorePassword()));
                // A local chain mines each transaction at once and never reorganises: no confirmations needed.
                return new BeaconConnection(chain, embedded, s.deployBlock(), 0,
                        p.nodeRpcUrl().isBlank() ? s.rpcUrl() : p.nodeRpcUrl());
            } catch (RuntimeException e) {
                embedded.close();
                throw e;
            }
        }
        if (p.contractAddress().isBlank() || p.keystorePath().isBlank()) {
            throw new IllegalStateException("With noderr.beacon.rpc-url set, noderr.beacon.contract-address and "
                    + "noderr.beacon.keystore-path (+ keystore-password) are required (docs/configuration.md).");
        }
        var chain = BeaconChain.connect(p.rpcUrl(), p.chainId(), p.contractAddress(),
                credentials(Path.of(p.keystorePath()), p.keystorePassword()));
        return new BeaconConnection(chain, null, p.startBlock(), p.confirmations(), nodeRpcUrl(p));
    }

    private static Credentials credentials(Path keystore, String password) {
        try {
            var credentials = WalletUtils.loadCredentials(password, keystore.toFile());
            log.info("VersionBeacon transactions are signed by {} (keystore {})", credentials.getAddress(), keystore);
            return credentials;
        } catch (Exception e) {
            // The message never contains the password; the cause's may say "Invalid password provided".
            throw new IllegalStateException("Could not open the signing keystore " + keystore + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
    }

    /** What nodes are told: the configured node RPC URL, or ours when it has nothing secret in it. */
    static @Nullable String nodeRpcUrl(BeaconProperties p) {
        if (!p.nodeRpcUrl().isBlank()) {
            return p.nodeRpcUrl();
        }
        var url = p.rpcUrl().endsWith("/") ? p.rpcUrl().substring(0, p.rpcUrl().length() - 1) : p.rpcUrl();
        return BeaconChain.redact(url).equals(url) ? url : null;
    }

    /** The RPC URL advertised to nodes, if any. */
    @Nullable String nodeRpcUrl() {
        return nodeRpcUrl;
    }

    BeaconChain chain() {
        return chain;
    }

    boolean embedded() {
        return embedded != null;
    }

    long startBlock() {
        return startBlock;
    }

    int confirmations() {
        return confirmations;
    }

    @Override
    public void close() {
        chain.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
