package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Properties;
import network.noderr.agent.TestControlPlane;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code noderr-agent register} against the real control plane (its packaged jar) when the registration succeeds
 * but the login after it fails: the install token is spent, so the registration must be on disk anyway.
 */
class RegisterFollowUpTest {

    @TempDir
    Path dir;

    @Test
    void aFailedLoginAfterRegisteringKeepsTheRegistrationAndSaysWhatToDo() throws Exception {
        var controlPlane = TestControlPlane.shared();
        var token = controlPlane.installToken("ALL", "Follow Up Operator");
        // The public key file does not match the private key (a half-replaced key): the control plane registers
        // the public key, and the login signed with the private one is refused.
        var key = dir.resolve("node-key.pem");
        Files.writeString(key, pem("PRIVATE KEY", keyPair().getPrivate().getEncoded()));
        Files.writeString(dir.resolve("node-key.pem.pub"), pem("PUBLIC KEY", keyPair().getPublic().getEncoded()));
        var configFile = dir.resolve("agent.properties");

        var register = AgentEndToEndTest.command("register", token + "\n", "--url", controlPlane.base().toString(),
                "--config", configFile.toString());
        assertThat(register.exit()).as(register.toString()).isEqualTo(1);
        assertThat(register.out()).contains("Registered as ");
        var written = new Properties();
        try (var in = Files.newBufferedReader(configFile)) {
            written.load(in);
        }
        var nodeId = written.getProperty("node-id");
        assertThat(nodeId).isNotBlank();
        assertThat(written.getProperty("key-path")).isEqualTo(key.toAbsolutePath().toString());
        assertThat(register.err()).contains("IS registered as " + nodeId).contains("first login with its key failed")
                .contains("Do not run register again").contains("noderr-agent run --config " + configFile);
        assertThat(controlPlane.get("/api/v1/admin/nodes?q=" + nodeId).get("items")).hasSize(1);

        var again = AgentEndToEndTest.command("register", token + "\n", "--url", controlPlane.base().toString(),
                "--config", configFile.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("already registers this machine as " + nodeId);
    }

    private static java.security.KeyPair keyPair() throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label
                + "-----\n";
    }
}
