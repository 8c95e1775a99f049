package network.noderr.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP client and one JSON mapper for the whole agent. Each {@link HttpClient} owns a selector thread and its
 * buffers, and each {@link ObjectMapper} its own caches: sharing them keeps the idle daemon small (docs/agent.md,
 * "Footprint").
 */
public final class Shared {

    private static @Nullable SSLContext tls;
    private static @Nullable HttpClient http;

    /**
     * The client for the control plane, the push stream and the chain's RPC; connect timeout 10 s. Trusts the JVM's
     * default CAs and those given to {@link #trustAlso} before.
     */
    public static synchronized HttpClient http() {
        if (http == null) {
            var builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
            if (tls != null) {
                builder.sslContext(tls);
            }
            http = builder.build();
        }
        return http;
    }

    /**
     * Trusts the CA certificates of {@code caFile} too ({@code ca-file}); a command calls it once, after reading its
     * configuration and before anything connects.
     *
     * @throws IllegalStateException when the client was already made
     */
    public static synchronized void trustAlso(Path caFile) throws java.io.IOException,
            java.security.GeneralSecurityException {
        if (http != null) {
            throw new IllegalStateException("the HTTP client is already in use");
        }
        tls = Tls.trustingAlso(Tls.certificates(caFile));
    }

    /** A plain mapper: records in, records out, unknown fields fail. */
    public static final ObjectMapper JSON = new ObjectMapper();

    private Shared() {
    }
}
