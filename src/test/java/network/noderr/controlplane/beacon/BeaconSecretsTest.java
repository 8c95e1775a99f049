package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Secrets in the beacon's configuration never show in text that may reach a log or an API answer. */
class BeaconSecretsTest {

    @Test
    void configurationTextHidesThePasswordAndTheRpcCredentials() {
        var properties = new BeaconProperties("https://user:s3cret@rpc.example.org/v3/api-key-123", 84532,
                "0x" + "1".repeat(40), "/etc/noderr/signer.json", "keystore-pass-42", 100, 2, Duration.ofSeconds(2),
                Duration.ofMinutes(2), 2000, "", new BeaconProperties.Embedded(Path.of("data/chain"), Path.of("anvil"), 8545));

        assertThat(properties.toString()).doesNotContain("keystore-pass-42").doesNotContain("s3cret")
                .doesNotContain("api-key-123").contains("(set)").contains("https://rpc.example.org/…");
        assertThat(BeaconChain.redact("http://127.0.0.1:8545")).isEqualTo("http://127.0.0.1:8545");
        assertThat(BeaconChain.redact("wss://mainnet.infura.io/ws/v3/abcdef")).isEqualTo("wss://mainnet.infura.io/…");
    }

    @Test
    void nodesAreToldTheRpcUrlOnlyWhenItHoldsNoSecret() {
        assertThat(BeaconConnection.nodeRpcUrl(properties("https://user:s3cret@rpc.example.org", ""))).isNull();
        assertThat(BeaconConnection.nodeRpcUrl(properties("https://rpc.example.org/v3/api-key-123", ""))).isNull();
        assertThat(BeaconConnection.nodeRpcUrl(properties("https://rpc.example.org/?key=abc", ""))).isNull();
        assertThat(BeaconConnection.nodeRpcUrl(properties("https://sepolia.base.org/", "")))
                .isEqualTo("https://sepolia.base.org");
        assertThat(BeaconConnection.nodeRpcUrl(properties("http://10.0.0.5:8545", ""))).isEqualTo("http://10.0.0.5:8545");
        assertThat(BeaconConnection.nodeRpcUrl(properties("https://rpc.example.org/v3/api-key-123",
                "https://public.example.org"))).isEqualTo("https://public.example.org");
    }

    private static BeaconProperties properties(String rpcUrl, String nodeRpcUrl) {
        return new BeaconProperties(rpcUrl, 84532, "0x" + "1".repeat(40), "/k.json", "p", 0, 2, Duration.ofSeconds(2),
                Duration.ofMinutes(2), 2000, nodeRpcUrl, new BeaconProperties.Embedded(Path.of("data/chain"),
                        Path.of("anvil"), 8545));
    }
}
