package network.noderr.agent.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Trust for a control plane (and chain RPC) whose TLS certificate comes from a private CA: the CA certificates of the
 * {@code ca-file} setting are trusted in addition to the JVM's default ones, never instead of them.
 */
public final class Tls {

    /** What an operator does about an untrusted certificate; added to the message of such a failure. */
    public static final String UNTRUSTED_HINT = "the server's TLS certificate is not signed by a CA this agent trusts: "
            + "if it comes from a private CA, set ca-file in agent.properties (or install.sh --ca-file) to that CA's "
            + "PEM certificate";

    private Tls() {
    }

    /**
     * The certificates of a PEM (or DER) file.
     *
     * @throws CertificateException when the file holds no certificate or one that does not parse
     */
    public static List<X509Certificate> certificates(Path file) throws IOException, CertificateException {
        var found = new ArrayList<X509Certificate>();
        try (InputStream in = Files.newInputStream(file)) {
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                found.add((X509Certificate) certificate);
            }
        }
        if (found.isEmpty()) {
            throw new CertificateException("no certificate in " + file);
        }
        return found;
    }

    /** A TLS context trusting the JVM's default CAs and {@code extra}. */
    public static SSLContext trustingAlso(List<X509Certificate> extra) throws GeneralSecurityException, IOException {
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (var ca : defaultTrustManager().getAcceptedIssuers()) {
            store.setCertificateEntry("default-" + i++, ca);
        }
        i = 0;
        for (var ca : extra) {
            store.setCertificateEntry("ca-file-" + i++, ca);
        }
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        var context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (var manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("the JVM has no X.509 trust manager");
    }

    /**
     * {@code failure} with {@link #UNTRUSTED_HINT} when it is (or was caused by) a TLS handshake that failed because no
     * trusted CA issued the server's certificate; null for any other failure.
     */
    public static @Nullable IOException explained(Throwable failure) {
        boolean handshake = false;
        for (var t = failure; t != null; t = t.getCause()) {
            handshake |= t instanceof SSLHandshakeException;
            if (handshake && (t instanceof CertPathBuilderException
                    || t instanceof java.security.cert.CertPathValidatorException)) {
                return new IOException(UNTRUSTED_HINT + " (" + failure.getMessage() + ")", failure);
            }
        }
        return null;
    }
}
