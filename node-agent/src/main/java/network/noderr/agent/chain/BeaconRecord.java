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
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * Reads the VersionBeacon directly (one {@code eth_call} of {@code imageDigestOf(tier, version)}), so the agent can
 * prove that the image the control plane names is the one recorded on-chain.
 */
public final class BeaconRecord {

    private static final Pattern RESULT = Pattern.compile("\"result\"\\s*:\\s*\"(0x[0-9a-fA-F]*)\"");
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*\\{[^}]*\"message\"\\s*:\\s*\"([^\"]*)\"");

    private final URI rpc;
    private final String contract;
    private final HttpClient http;

    public BeaconRecord(String rpcUrl, String contractAddress) {
        this.rpc = URI.create(rpcUrl);
        this.contract = contractAddress;
        this.http = network.noderr.agent.api.Shared.HTTP;
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
     * The digest ({@code sha256:<hex>}) recorded for the tier's version, or empty when it was never published.
     *
     * @throws IOException when the RPC cannot be reached or refuses the call
     */
    public Optional<String> digestOf(String tier, String versionString) throws IOException {
        var function = new Function("imageDigestOf",
                List.of(new Uint8(BigInteger.valueOf(tierIndex(tier))), new Utf8String(versionString)),
                List.of(new TypeReference<Bytes32>() {}));
        var body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":\"" + contract
                + "\",\"data\":\"" + FunctionEncoder.encode(function) + "\"},\"latest\"]}";
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(rpc).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        var result = RESULT.matcher(response.body());
        if (response.statusCode() != 200 || !result.find()) {
            var error = ERROR.matcher(response.body());
            throw new IOException("eth_call failed (" + response.statusCode() + "): "
                    + (error.find() ? error.group(1) : response.body()));
        }
        var decoded = FunctionReturnDecoder.decode(result.group(1), function.getOutputParameters());
        if (decoded.isEmpty()) {
            throw new IOException("eth_call returned no value: is " + contract + " a VersionBeacon?");
        }
        var bytes = (byte[]) decoded.get(0).getValue();
        if (new BigInteger(1, bytes).signum() == 0) {
            return Optional.empty();
        }
        return Optional.of("sha256:" + HexFormat.of().formatHex(bytes));
    }
}
