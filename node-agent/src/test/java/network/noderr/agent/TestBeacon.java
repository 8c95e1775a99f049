package network.noderr.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * A real EVM for the agent's tests: anvil from the contracts' npm dependencies with the VersionBeacon the control
 * plane's build compiled ({@code ../target/contracts/VersionBeacon.bin}), deployed and written to through anvil's
 * unlocked development account.
 */
public final class TestBeacon implements AutoCloseable {

    private static final Path ANVIL = Path.of("../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    private static final Path BYTECODE = Path.of("../target/contracts/VersionBeacon.bin");
    /** anvil's first development account (unlocked: eth_sendTransaction needs no key). */
    private static final String DEV = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process anvil;
    private final String rpcUrl;
    private final String address;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestBeacon(Process anvil, String rpcUrl) throws Exception {
        this.anvil = anvil;
        this.rpcUrl = rpcUrl;
        awaitReady();
        var constructorArgs = FunctionEncoder.encodeConstructor(List.of(new Address(DEV)));
        var receipt = send(null, "0x" + Files.readString(BYTECODE).strip() + constructorArgs);
        this.address = receipt.get("contractAddress").asText();
    }

    public static TestBeacon start() throws Exception {
        if (!Files.isExecutable(ANVIL) || !Files.exists(BYTECODE)) {
            throw new IllegalStateException("anvil or the compiled VersionBeacon is missing: build the control plane "
                    + "first (./test does)");
        }
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var process = new ProcessBuilder(ANVIL.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--silent").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new TestBeacon(process, "http://127.0.0.1:" + port);
    }

    public String rpcUrl() {
        return rpcUrl;
    }

    public String address() {
        return address;
    }

    /** Publishes a version for a tier with the given digest ({@code sha256:<hex>}). */
    public void publish(int tier, String version, String imageRef, String digest) throws Exception {
        var function = new Function("publishVersion", List.of(new Uint8(BigInteger.valueOf(tier)),
                new Utf8String(version), new Utf8String(imageRef),
                new Bytes32(HexFormat.of().parseHex(digest.substring(7))), new Bytes32(new byte[32])), List.of());
        var receipt = send(address, FunctionEncoder.encode(function));
        if (!"0x1".equals(receipt.get("status").asText())) {
            throw new IllegalStateException("publish of " + version + " reverted");
        }
    }

    /** Points the tier back at an earlier published version ({@code emergencyRollback}). */
    public void emergencyRollback(int tier, long toVersionId) throws Exception {
        var function = new Function("emergencyRollback", List.of(new Uint8(BigInteger.valueOf(tier)),
                new org.web3j.abi.datatypes.generated.Uint64(BigInteger.valueOf(toVersionId))), List.of());
        var receipt = send(address, FunctionEncoder.encode(function));
        if (!"0x1".equals(receipt.get("status").asText())) {
            throw new IllegalStateException("emergency rollback to #" + toVersionId + " reverted");
        }
    }

    private JsonNode send(String to, String data) throws Exception {
        var tx = new java.util.LinkedHashMap<String, Object>(Map.of("from", DEV, "data", data, "gas", "0x4c4b40"));
        if (to != null) {
            tx.put("to", to);
        }
        var hash = call("eth_sendTransaction", List.of(tx)).asText();
        var deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            var receipt = call("eth_getTransactionReceipt", List.of(hash));
            if (!receipt.isNull()) {
                return receipt;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no receipt for " + hash);
    }

    private JsonNode call(String method, List<?> params) throws IOException, InterruptedException {
        var body = JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", params));
        var response = http.send(HttpRequest.newBuilder(URI.create(rpcUrl))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        var json = JSON.readTree(response.body());
        if (json.has("error")) {
            throw new IOException(method + ": " + json.get("error"));
        }
        return json.get("result");
    }

    private void awaitReady() throws Exception {
        var deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (true) {
            try {
                call("eth_chainId", List.of());
                return;
            } catch (IOException e) {
                if (!anvil.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("anvil did not start", e);
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        anvil.destroy();
        if (!anvil.waitFor(10, TimeUnit.SECONDS)) {
            anvil.destroyForcibly();
        }
    }
}
