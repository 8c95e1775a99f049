package network.noderr.agent.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Signs the control plane's challenge with the node key: ECDSA P-256 over SHA-256, DER-encoded. */
@FunctionalInterface
public interface NodeSigner {

    byte[] sign(byte[] message) throws IOException;

    /** How long the sign command may take (a TPM that does not answer must not hold the agent up). */
    Duration SIGN_TIMEOUT = Duration.ofSeconds(30);

    /** The installer's sign command ({@code noderr-sign.sh <config-dir>}): works for software and TPM keys. */
    static NodeSigner command(Path command, Path configDir) {
        return command(command, configDir, SIGN_TIMEOUT);
    }

    /**
     * As {@link #command(Path, Path)}, stopped (with what it started) when it has not signed within {@code timeout}.
     * Whatever it started and left running when it exits (a helper that keeps its output open) is stopped then, so
     * that its output ends and nothing it started outlives the signature ({@link ProcessTree}). Its output is read on
     * a thread of its own and waited for until the timeout at most, so that reading it cannot hold the caller.
     */
    static NodeSigner command(Path command, Path configDir, Duration timeout) {
        return message -> {
            var process = ProcessTree.inOwnSession(java.util.List.of(command.toString(), configDir.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try {
                var output = new CompletableFuture<byte[]>();
                Thread.ofVirtual().name("noderr-sign-output").start(() -> {
                    try (var out = process.getInputStream()) {
                        output.complete(out.readAllBytes());
                    } catch (IOException e) {
                        output.completeExceptionally(e);
                    }
                });
                long deadline = System.nanoTime() + timeout.toNanos();
                try (var in = process.getOutputStream()) {
                    in.write(message);
                } catch (IOException e) {
                    // the command does not read the message (or exited early): its exit status says what happened
                }
                if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw new IOException(command + " did not sign within " + timeout.toMillis() + " ms; stopped it");
                }
                ProcessTree.stop(process); // what it left running: their end of its output closes with them
                byte[] signature;
                try {
                    signature = output.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) { // something it started escaped its session and holds the output
                    throw new IOException(command + " exited but its output did not end within "
                            + timeout.toMillis() + " ms");
                } catch (ExecutionException e) {
                    throw new IOException(command + ": its output could not be read", e.getCause());
                }
                if (process.exitValue() != 0 || signature.length == 0) {
                    throw new IOException(command + " failed to sign (exit " + process.exitValue()
                            + (signature.length == 0 ? ", no signature" : "") + ")");
                }
                return signature;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while signing", e);
            } finally {
                ProcessTree.stop(process); // on every way out: nothing it started outlives the signature
            }
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
