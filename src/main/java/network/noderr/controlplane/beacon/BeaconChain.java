package network.noderr.controlplane.beacon;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.shared.ProblemException;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * One VersionBeacon on one chain, over JSON-RPC (web3j): reads through the generated wrapper, writes as signed raw
 * transactions that are checked with {@code eth_call} first (so a call the contract would refuse is never sent and
 * its custom error comes back as a message), receipts and logs. Every method throws
 * {@link ChainUnavailableException} when the RPC cannot be reached.
 */
public class BeaconChain implements AutoCloseable {

    /** Gas limits per write; generous (only used gas is paid) and well above what each call needs. */
    static final BigInteger PUBLISH_GAS = BigInteger.valueOf(1_500_000);
    static final BigInteger SMALL_WRITE_GAS = BigInteger.valueOf(200_000);

    private final Web3j web3j;
    private final Credentials credentials;
    private final long chainId;
    private final String rpcDisplay;
    private final VersionBeacon contract;
    private final RawTransactionManager transactions;

    private BeaconChain(Web3j web3j, Credentials credentials, long chainId, String contractAddress, String rpcDisplay) {
        this.web3j = web3j;
        this.credentials = credentials;
        this.chainId = chainId;
        this.rpcDisplay = rpcDisplay;
        this.transactions = new RawTransactionManager(web3j, credentials, chainId);
        this.contract = VersionBeacon.load(contractAddress, web3j, transactions,
                new StaticGasProvider(BigInteger.ZERO, SMALL_WRITE_GAS));
    }

    /**
     * Connects and checks the chain: the chain id must match {@code expectedChainId} (when not 0) and the address
     * must hold contract code.
     */
    public static BeaconChain connect(String rpcUrl, long expectedChainId, String contractAddress,
            Credentials credentials) {
        var display = redact(rpcUrl);
        var http = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(3))
                .readTimeout(Duration.ofSeconds(15))
                .writeTimeout(Duration.ofSeconds(15))
                .build();
        var web3j = Web3j.build(new HttpService(rpcUrl, http));
        long chainId;
        try {
            chainId = web3j.ethChainId().send().getChainId().longValueExact();
            if (expectedChainId != 0 && expectedChainId != chainId) {
                throw new IllegalStateException("The RPC at " + display + " serves chain " + chainId
                        + ", not the configured chain " + expectedChainId + ". Fix noderr.beacon.rpc-url or chain-id.");
            }
            var code = web3j.ethGetCode(contractAddress, DefaultBlockParameterName.LATEST).send().getCode();
            if (code == null || code.equals("0x")) {
                throw new IllegalStateException("There is no contract at " + contractAddress + " on chain " + chainId
                        + " (" + display + "). Deploy VersionBeacon (contracts/README.md) and set "
                        + "noderr.beacon.contract-address.");
            }
        } catch (IOException e) {
            web3j.shutdown();
            throw new IllegalStateException("The chain RPC at " + display + " cannot be reached: " + e.getMessage(), e);
        }
        return new BeaconChain(web3j, credentials, chainId, contractAddress, display);
    }

    /** The RPC URL without credentials, path or query (API keys often live there). */
    static String redact(String rpcUrl) {
        try {
            var uri = URI.create(rpcUrl);
            var port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
            var path = uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/") ? "" : "/…";
            return uri.getScheme() + "://" + uri.getHost() + port + path;
        } catch (IllegalArgumentException e) {
            return "(unparseable URL)";
        }
    }

    public long chainId() {
        return chainId;
    }

    public String contractAddress() {
        return contract.getContractAddress();
    }

    /** The address that signs this control plane's transactions. */
    public String signer() {
        return credentials.getAddress();
    }

    public String rpcDisplay() {
        return rpcDisplay;
    }

    /** The generated wrapper, for reads ({@code currentVersion}, {@code getRolloutConfig}, …). */
    VersionBeacon contract() {
        return contract;
    }

    long headBlock() {
        return rpc(() -> web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
    }

    /** The contract's logs in {@code [from, to]}, in chain order. */
    List<Log> logs(long from, long to) {
        var filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), contract.getContractAddress());
        var response = rpc(() -> web3j.ethGetLogs(filter).send());
        if (response.hasError()) {
            throw new ChainUnavailableException(rpcDisplay, new IOException(response.getError().getMessage()));
        }
        return response.getLogs().stream().map(r -> (Log) ((EthLog.LogObject) r).get()).toList();
    }

    /** A read through the wrapper, e.g. {@code chain.read(c -> c.versionIdOf(...))}. */
    <T> T read(java.util.function.Function<VersionBeacon, RemoteFunctionCall<T>> call) {
        try {
            return call.apply(contract).send();
        } catch (IOException e) {
            throw new ChainUnavailableException(rpcDisplay, e);
        } catch (org.web3j.tx.exceptions.ContractCallException e) {
            throw new ProblemException(409, "chain-refused", "Refused by the VersionBeacon", e.getMessage());
        } catch (Exception e) {
            throw new ChainUnavailableException(rpcDisplay, e);
        }
    }

    /**
     * Checks the write with {@code eth_call} from the signer, then signs and sends it. Returns the transaction hash.
     *
     * @throws ChainRevertException when the contract would refuse it (nothing is sent)
     */
    String send(RemoteFunctionCall<TransactionReceipt> call, BigInteger gasLimit) {
        var data = call.encodeFunctionCall();
        preflight(data, DefaultBlockParameterName.PENDING);
        var gasPrice = rpc(() -> web3j.ethGasPrice().send().getGasPrice());
        var sent = rpc(() -> transactions.sendTransaction(gasPrice, gasLimit, contract.getContractAddress(), data,
                BigInteger.ZERO));
        if (sent.hasError()) {
            var error = sent.getError();
            if (error.getData() != null) {
                throw new ChainRevertException(BeaconErrors.decode(error.getData()));
            }
            throw new ProblemException(502, "chain-rejected", "The chain rejected the transaction",
                    "The chain node refused the transaction: " + error.getMessage());
        }
        return sent.getTransactionHash();
    }

    Optional<TransactionReceipt> receipt(String txHash) {
        return rpc(() -> web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt());
    }

    /** Why a mined transaction failed: its call replayed at its block, decoded. */
    BeaconErrors.Decoded failureOf(TransactionReceipt receipt) {
        var tx = rpc(() -> web3j.ethGetTransactionByHash(receipt.getTransactionHash()).send().getTransaction());
        if (tx.isEmpty()) {
            return new BeaconErrors.Decoded("Revert", "The transaction reverted.");
        }
        try {
            preflight(tx.get().getInput(), DefaultBlockParameter.valueOf(receipt.getBlockNumber().subtract(BigInteger.ONE)));
        } catch (ChainRevertException e) {
            return new BeaconErrors.Decoded(e.errorName(), e.getMessage());
        }
        return new BeaconErrors.Decoded("Revert", "The transaction reverted (out of gas or refused at its block).");
    }

    private void preflight(String data, DefaultBlockParameter block) {
        var call = Transaction.createEthCallTransaction(credentials.getAddress(), contract.getContractAddress(), data);
        var result = rpc(() -> web3j.ethCall(call, block).send());
        if (result.hasError() || result.isReverted()) {
            @Nullable String revertData = result.hasError() ? result.getError().getData()
                    : result.getRevertReasonEncodedData();
            throw new ChainRevertException(BeaconErrors.decode(revertData));
        }
    }

    private <T> T rpc(IoCall<T> call) {
        try {
            return call.call();
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProblemException p) {
                throw p;
            }
            throw new ChainUnavailableException(rpcDisplay, e);
        }
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
