package network.noderr.agent.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import network.noderr.agent.update.OnChainRelease;
import network.noderr.agent.update.OnChainReleases;
import network.noderr.agent.update.OnChainRollback;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.utils.Numeric;

/**
 * Reads the VersionBeacon directly ({@code eth_call}s of {@code versionIdOf}, {@code currentVersionId} and
 * {@code getVersion} at one block), so the agent can prove that the image the control plane names is the one
 * recorded on-chain, and that the version is the tier's current one.
 */
public final class BeaconRecord implements OnChainReleases {

    private static final Pattern RESULT = Pattern.compile("\"result\"\\s*:\\s*\"(0x[0-9a-fA-F]*)\"");
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*\\{[^}]*\"message\"\\s*:\\s*\"([^\"]*)\"");

    /** {@code EmergencyRollback(uint8 indexed tier, uint64 indexed fromVersionId, uint64 indexed toVersionId, address)}. */
    private static final String EMERGENCY_ROLLBACK = EventEncoder.encode(new Event("EmergencyRollback", List.of(
            new TypeReference<Uint8>(true) {}, new TypeReference<Uint64>(true) {}, new TypeReference<Uint64>(true) {},
            new TypeReference<Address>() {})));

    private final URI rpc;
    private final String contract;
    private final HttpClient http;

    public BeaconRecord(String rpcUrl, String contractAddress) {
        this.rpc = URI.create(rpcUrl);
        this.contract = contractAddress;
        this.http = network.noderr.agent.api.Shared.http();
    }

    /** The contract's tier index: 0 = ALL, 1 = ORACLE, 2 = GUARDIAN. */
    public static int tierIndex(String tier) {
        return switch (tier) {
            case "ALL" -> 0;
            case "ORACLE" -> 1;
            case "GUARDIAN" -> 2;
            default -> throw new IllegalArgumentException("unknown tier " + tier);
        };
    }

    /**
     * What the VersionBeacon records for the tier's version — its digest, its id and the tier's current version id,
     * all read at one block — or empty when it was never published.
     *
     * @throws IOException when the RPC cannot be reached or refuses a call
     */
    @Override
    public Optional<OnChainRelease> release(String tier, String versionString) throws IOException {
        var tierIndex = new Uint8(BigInteger.valueOf(tierIndex(tier)));
        var block = rpc("eth_blockNumber", "[]"); // one block for all three calls: a consistent picture
        var versionId = (BigInteger) call(new Function("versionIdOf", List.of(tierIndex, new Utf8String(versionString)),
                List.of(new TypeReference<Uint64>() {})), block).getValue();
        if (versionId.signum() == 0) {
            return Optional.empty();
        }
        var current = currentVersionId(tier, block);
        var version = version(tierIndex, versionId, block);
        var digest = (byte[]) version.get(3).getValue();
        return Optional.of(new OnChainRelease((String) version.get(2).getValue(),
                "sha256:" + HexFormat.of().formatHex(digest), versionId.longValueExact(), current));
    }

    /**
     * {@code getVersion(tier, id)} at {@code block}: the {@code Version} struct's fields (versionId, versionString,
     * imageRef, imageDigest, configHash, publishedAt). The answer is one dynamic tuple: its first word is the offset of
     * the tuple, whose own offsets count from its start, so the rest decodes as the fields' list.
     */
    private List<org.web3j.abi.datatypes.Type> version(Uint8 tierIndex, BigInteger versionId, String block)
            throws IOException {
        // The struct's fields as outputs: the call is encoded from the inputs, the answer decoded by these.
        var function = new Function("getVersion", List.of(tierIndex, new Uint64(versionId)), List.of(
                new TypeReference<Uint64>() {}, new TypeReference<Utf8String>() {}, new TypeReference<Utf8String>() {},
                new TypeReference<Bytes32>() {}, new TypeReference<Bytes32>() {}, new TypeReference<Uint64>() {}));
        var result = rpc("eth_call", "[{\"to\":\"" + contract + "\",\"data\":\"" + FunctionEncoder.encode(function)
                + "\"},\"" + block + "\"]");
        var hex = Numeric.cleanHexPrefix(result);
        List<org.web3j.abi.datatypes.Type> fields = hex.length() < 64 ? List.of()
                : FunctionReturnDecoder.decode(hex.substring(64), function.getOutputParameters());
        if (fields.size() != 6) {
            throw new IOException("getVersion returned no version: is " + contract + " a VersionBeacon?");
        }
        return fields;
    }

    @Override
    public long currentVersionId(String tier) throws IOException {
        return currentVersionId(tier, "latest");
    }

    private long currentVersionId(String tier, String block) throws IOException {
        return ((BigInteger) call(new Function("currentVersionId", List.of(new Uint8(BigInteger.valueOf(tierIndex(tier)))),
                List.of(new TypeReference<Uint64>() {})), block).getValue()).longValueExact();
    }

    /**
     * The tier's {@code EmergencyRollback} events that withdrew {@code versionId}, from one {@code eth_getLogs} over
     * the whole chain (filtered by the contract and the tier, so the answer stays small; an RPC that limits the
     * blocks one query may cover refuses it, and this throws).
     */
    @Override
    public List<OnChainRollback> rollbacksPast(String tier, long versionId) throws IOException {
        var tierTopic = "0x" + TypeEncoder.encode(new Uint8(BigInteger.valueOf(tierIndex(tier))));
        var body = send("eth_getLogs", "[{\"address\":\"" + contract + "\",\"fromBlock\":\"earliest\","
                + "\"toBlock\":\"latest\",\"topics\":[\"" + EMERGENCY_ROLLBACK + "\",\"" + tierTopic + "\"]}]");
        var answer = network.noderr.agent.api.Shared.JSON.readTree(body);
        var logs = answer.get("result");
        if (logs == null || !logs.isArray()) {
            var error = answer.path("error").path("message").asText("");
            throw new IOException("eth_getLogs failed: " + (error.isEmpty() ? body : error));
        }
        var rollbacks = new java.util.ArrayList<OnChainRollback>();
        for (var log : logs) {
            var topics = log.path("topics");
            if (topics.size() != 4 || !EMERGENCY_ROLLBACK.equalsIgnoreCase(topics.get(0).asText())) {
                throw new IOException("eth_getLogs returned a log that is not the VersionBeacon's EmergencyRollback: "
                        + log);
            }
            var rollback = new OnChainRollback(Numeric.toBigInt(topics.get(2).asText()).longValueExact(),
                    Numeric.toBigInt(topics.get(3).asText()).longValueExact(),
                    Numeric.toBigInt(log.path("blockNumber").asText("0x0")).longValueExact(),
                    log.path("transactionHash").asText(""));
            if (rollback.withdrew(versionId)) {
                rollbacks.add(rollback);
            }
        }
        return List.copyOf(rollbacks);
    }

    /** One {@code eth_call} of {@code function} at {@code block}; its single return value. */
    private org.web3j.abi.datatypes.Type<?> call(Function function, String block) throws IOException {
        var result = rpc("eth_call", "[{\"to\":\"" + contract + "\",\"data\":\"" + FunctionEncoder.encode(function)
                + "\"},\"" + block + "\"]");
        var decoded = FunctionReturnDecoder.decode(result, function.getOutputParameters());
        if (decoded.isEmpty()) {
            throw new IOException("eth_call returned no value: is " + contract + " a VersionBeacon?");
        }
        return decoded.get(0);
    }

    /** A JSON-RPC call; its {@code result}, a hex string. */
    private String rpc(String method, String params) throws IOException {
        var body = send(method, params);
        var result = RESULT.matcher(body);
        if (!result.find()) {
            var error = ERROR.matcher(body);
            throw new IOException(method + " failed: " + (error.find() ? error.group(1) : body));
        }
        return result.group(1);
    }

    /** A JSON-RPC call; the answer's body (200 only). */
    private String send(String method, String params) throws IOException {
        var body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(rpc).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            throw java.util.Objects.requireNonNullElse(network.noderr.agent.api.Tls.explained(e), e);
        }
        if (response.statusCode() != 200) {
            var error = ERROR.matcher(response.body());
            throw new IOException(method + " failed (" + response.statusCode() + "): "
                    + (error.find() ? error.group(1) : response.body()));
        }
        return response.body();
    }
}
