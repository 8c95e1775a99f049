package network.noderr.agent.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * One HTTP client and one JSON mapper for the whole agent. Each {@link HttpClient} owns a selector thread and its
 * buffers, and each {@link ObjectMapper} its own caches: sharing them keeps the idle daemon small (docs/agent.md,
 * "Footprint").
 */
public final class Shared {

    /** For the control plane, the push stream and the chain's RPC; connect timeout 10 s. */
    public static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** A plain mapper: records in, records out, unknown fields fail. */
    public static final ObjectMapper JSON = new ObjectMapper();

    private Shared() {
    }
}
