package network.noderr.controlplane.nodes;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import network.noderr.controlplane.shared.InvalidRequestException;

/** Node public keys (EC P-256, X.509 SubjectPublicKeyInfo) and ECDSA-SHA256 signature checks, via the JDK's JCA. */
final class NodeKeys {

    private static final ECParameterSpec P256 = p256();

    private NodeKeys() {}

    /**
     * Parses a base64 DER SubjectPublicKeyInfo and checks it is a P-256 key.
     *
     * @throws InvalidRequestException naming {@code field} when it is not
     */
    static ECPublicKey parse(String base64Spki, String field) {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64Spki.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, "must be base64 (DER SubjectPublicKeyInfo)");
        }
        try {
            var key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
            if (key instanceof ECPublicKey ec && isP256(ec.getParams())) {
                return ec;
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            // falls through to the refusal below
        }
        throw new InvalidRequestException(field, "must be an EC P-256 public key (DER SubjectPublicKeyInfo)");
    }

    /**
     * True when {@code signature} is a valid ECDSA-SHA256 signature of {@code message}: ASN.1 DER (as OpenSSL and
     * Java produce), or the 64-byte r||s form some TPM tools output.
     */
    static boolean verify(ECPublicKey key, byte[] message, byte[] signature) {
        try {
            var algorithm = signature.length == 64 ? "SHA256withECDSAinP1363Format" : "SHA256withECDSA";
            var verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // A malformed signature is an invalid one.
            return false;
        }
    }

    private static boolean isP256(ECParameterSpec params) {
        return params.getOrder().equals(P256.getOrder())
                && params.getGenerator().equals(P256.getGenerator())
                && params.getCurve().equals(P256.getCurve());
    }

    private static ECParameterSpec p256() {
        try {
            var parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK lacks secp256r1", e);
        }
    }
}
