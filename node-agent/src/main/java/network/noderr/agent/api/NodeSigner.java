package network.noderr.agent.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** Signs the control plane's challenge with the node key: ECDSA P-256 over SHA-256, DER-encoded. */
@FunctionalInterface
public interface NodeSigner {

    byte[] sign(byte[] message) throws IOException;

    /** The installer's sign command ({@code noderr-sign.sh <config-dir>}): works for software and TPM keys. */
    static NodeSigner command(Path command, Path configDir) {
        return message -> {
            var process = new ProcessBuilder(command.toString(), configDir.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (var in = process.getOutputStream()) {
                in.write(message);
            }
            var signature = process.getInputStream().readAllBytes();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0 || signature.length == 0) {
                    throw new IOException(command + " failed to sign (exit " + (process.isAlive() ? "timeout"
                            : process.exitValue()) + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while signing", e);
            }
            return signature;
        };
    }

    /** A PKCS#8 PEM software key file, signed in-process. */
    static NodeSigner keyFile(Path pem) throws IOException {
        PrivateKey key;
        try {
            var base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                    .decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(pem + " is not a PKCS#8 EC private key", e);
        }
        return message -> {
            try {
                var signature = Signature.getInstance("SHA256withECDSA");
                signature.initSign(key);
                signature.update(message);
                return signature.sign();
            } catch (GeneralSecurityException e) {
                throw new IOException("signing failed", e);
            }
        };
    }
}
