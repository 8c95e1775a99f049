package network.noderr.controlplane;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** A node's P-256 key pair for tests, signing the way an agent does (ECDSA-SHA256, DER). */
public record TestNodeKey(KeyPair pair) {

    public static TestNodeKey generate() {
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return new TestNodeKey(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Base64 DER SubjectPublicKeyInfo, as the register call wants it. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }

    /** Base64 DER ECDSA-SHA256 signature over the decoded nonce bytes. */
    public String sign(String nonceBase64) {
        return sign(nonceBase64, "SHA256withECDSA");
    }

    /** The same signature in the 64-byte r||s form some TPM tools produce. */
    public String signRaw(String nonceBase64) {
        return sign(nonceBase64, "SHA256withECDSAinP1363Format");
    }

    /**
     * What a key rotation asks of the current key: its signature over the decoded nonce followed by the new key's
     * DER SubjectPublicKeyInfo.
     */
    public String signRotation(String nonceBase64, TestNodeKey newKey) {
        var nonce = Base64.getDecoder().decode(nonceBase64);
        var spki = newKey.pair().getPublic().getEncoded();
        var message = java.util.Arrays.copyOf(nonce, nonce.length + spki.length);
        System.arraycopy(spki, 0, message, nonce.length, spki.length);
        return signBytes(message, "SHA256withECDSA");
    }

    private String sign(String nonceBase64, String algorithm) {
        return signBytes(Base64.getDecoder().decode(nonceBase64), algorithm);
    }

    private String signBytes(byte[] message, String algorithm) {
        try {
            var signer = Signature.getInstance(algorithm);
            signer.initSign(pair.getPrivate());
            signer.update(message);
            return Base64.getEncoder().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
