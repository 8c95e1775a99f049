package network.noderr.agent.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The node API (DESIGN §3) as the agent uses it: challenge/verify with the node key (the access token is renewed a
 * minute before it expires, or at once after a 401), the version query, update and health reports.
 */
public final class ControlPlane {

    /** The version query's answer. */
    public record VersionAnswer(@Nullable String versionString, @Nullable String dockerImageTag,
            @Nullable String imageDigest, @Nullable String cohort, boolean shouldUpdate, String updatePriority) {}

    /**
     * Where the control plane reads the VersionBeacon ({@code GET /api/v1/beacon}).
     *
     * @param rpcUrl null when the control plane does not advertise one (its own carries credentials)
     */
    public record BeaconInfo(long chainId, String contractAddress, @Nullable String rpcUrl) {}

    /**
     * The control plane answered with an error status: {@code status}, its problem detail and, for invalid input, its
     * field errors ({@code errors}: field → message).
     */
    public static final class ApiException extends IOException {
        /** Refusals that can pass later unchanged: token renewed, node reinstated, timeout, rate limit. */
        private static final java.util.Set<Integer> PASSING = java.util.Set.of(401, 403, 408, 429);
        private static final java.util.regex.Pattern INDEX = java.util.regex.Pattern.compile("^\\[(\\d+)]");

        private final int status;
        private final String detail;
        private final Map<String, String> errors;
        private final boolean login;
        private final @Nullable String reason;

        ApiException(int status, String detail, Map<String, String> errors) {
            this(status, detail, errors, false, null);
        }

        ApiException(int status, String detail, Map<String, String> errors, @Nullable String reason) {
            this(status, detail, errors, false, reason);
        }

        private ApiException(int status, String detail, Map<String, String> errors, boolean login,
                @Nullable String reason) {
            super("HTTP " + status + ": " + detail);
            this.status = status;
            this.detail = detail;
            this.errors = Map.copyOf(errors);
            this.login = login;
            this.reason = reason;
        }

        public int status() {
            return status;
        }

        /** The control plane's own words: the problem's detail (or the answer's body when it has none). */
        public String detail() {
            return detail;
        }

        /** The problem's {@code reason}, when the answer carries one (e.g. why the node was suspended). */
        public @Nullable String reason() {
            return reason;
        }

        /** The problem's field errors, e.g. {@code [3].timestamp → is older than the 30-day retention}. */
        public Map<String, String> errors() {
            return errors;
        }

        /**
         * True when the control plane refused the request itself as it is (a 4xx other than 401, 403, 408 and 429),
         * so sending it again unchanged cannot succeed. False when logging in failed: the request was not judged.
         */
        public boolean isFinal() {
            return !login && status >= 400 && status < 500 && !PASSING.contains(status);
        }

        /** The positions in a batch that the field errors name ({@code [3].metrics.cpu} names 3), in order. */
        public java.util.SortedSet<Integer> indices() {
            var indices = new java.util.TreeSet<Integer>();
            for (var field : errors.keySet()) {
                var m = INDEX.matcher(field);
                if (m.find() && m.group(1).length() < 10) {
                    indices.add(Integer.parseInt(m.group(1)));
                }
            }
            return indices;
        }

        ApiException duringLogin() {
            var e = new ApiException(status, detail, errors, true, reason);
            e.initCause(this);
            return e;
        }
    }

    static final ObjectMapper JSON = Shared.JSON;

    /**
     * How long the control plane may take to answer a login request (the challenge, the verify), a report, or the
     * push stream's handshake, which follows a login and meets the same load (a mass login).
     */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String nodeId;
    private final NodeSigner signer;
    private final HttpClient http;
    private final Clock clock;
    private @Nullable String token;
    private Instant tokenExpires = Instant.MIN;
    private volatile @Nullable Integer metricsPort;

    public ControlPlane(URI base, String nodeId, NodeSigner signer, Clock clock) {
        this(base, nodeId, signer, clock, Shared.http());
    }

    /** With a given HTTP client (the simulator gives each virtual node its own source address). */
    public ControlPlane(URI base, String nodeId, NodeSigner signer, Clock clock, HttpClient http) {
        this.base = base;
        this.nodeId = nodeId;
        this.signer = signer;
        this.clock = clock;
        this.http = http;
    }

    /**
     * The port of this node's metrics endpoint (0: none), told to the control plane at every login, so that its
     * Prometheus service discovery scrapes the node where it listens. Not told when never set.
     */
    public ControlPlane advertisingMetricsPort(int port) {
        this.metricsPort = port;
        return this;
    }

    /** Registers a node with an install token (used by the installers): returns {nodeId, tier}. */
    public static JsonNode register(URI base, String installToken, String publicKeyBase64, String hostname,
            Map<String, Object> hardware, @Nullable String tier) throws IOException {
        var body = registration(installToken, publicKeyBase64, hostname, hardware);
        if (tier != null) {
            body.put("tier", tier.toUpperCase(java.util.Locale.ROOT));
        }
        return send(Shared.http(), post(base, "/api/v1/auth/register", body, null), 201);
    }

    public static JsonNode register(HttpClient http, URI base, String installToken, String publicKeyBase64,
            String hostname, Map<String, Object> hardware) throws IOException {
        return send(http, post(base, "/api/v1/auth/register", registration(installToken, publicKeyBase64, hostname,
                hardware), null), 201);
    }

    private static Map<String, Object> registration(String installToken, String publicKeyBase64, String hostname,
            Map<String, Object> hardware) {
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("installToken", installToken);
        body.put("publicKey", publicKeyBase64);
        body.put("keyAttestation", Map.of("type", "SOFTWARE"));
        body.put("hostname", hostname);
        body.put("hardware", hardware);
        return body;
    }

    public VersionAnswer version(@Nullable String currentVersion) throws IOException {
        var query = currentVersion == null ? "" : "?currentVersion=" + java.net.URLEncoder.encode(currentVersion,
                java.nio.charset.StandardCharsets.UTF_8);
        var json = authorized(() -> HttpRequest.newBuilder(base.resolve("/api/v1/version/" + nodeId + query))
                .timeout(Duration.ofSeconds(15)).GET(), 200);
        return new VersionAnswer(text(json, "versionString"), text(json, "dockerImageTag"), text(json, "imageDigest"),
                text(json, "cohort"), json.path("shouldUpdate").asBoolean(false),
                json.path("updatePriority").asText("normal"));
    }

    /**
     * Reports a finished update, timestamped by this node's clock like its health reports: the control plane orders
     * the running versions it hears from both by these timestamps.
     */
    public void reportUpdate(@Nullable String fromVersion, String toVersion, String result, long durationMs,
            @Nullable String reason) throws IOException {
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("fromVersion", fromVersion);
        body.put("toVersion", toVersion);
        body.put("result", result);
        body.put("durationMs", durationMs);
        if (reason != null) {
            body.put("reason", reason.length() > 1000 ? reason.substring(0, 1000) : reason);
        }
        body.put("timestamp", clock.instant().toString());
        authorized(() -> postBuilder(base, "/api/v1/updates", body), 202);
    }

    /** Sends buffered health reports in order (one batch); returns the health status the control plane derived. */
    public String reportHealth(List<Map<String, Object>> reports) throws IOException {
        var json = authorized(() -> postBuilder(base, "/api/v1/health", reports), 200);
        return json.path("healthStatus").asText();
    }

    private interface RequestFactory {
        HttpRequest.Builder create() throws IOException;
    }

    private JsonNode authorized(RequestFactory request, int expected) throws IOException {
        for (int attempt = 0; ; attempt++) {
            var bearer = accessToken();
            var builder = request.create().header("Authorization", "Bearer " + bearer);
            try {
                return send(http, builder.build(), expected);
            } catch (ApiException e) {
                if (e.status() == 401 && attempt == 0) {
                    tokenRefused(bearer); // expired, or its key unknown there: log in again once
                    continue;
                }
                throw e;
            }
        }
    }

    /** A valid access token (logging in first when needed), for the push stream's handshake. */
    public String streamToken() throws IOException {
        return accessToken();
    }

    /**
     * The control plane refused {@code refusedToken} (401, e.g. at the push stream's handshake: it no longer knows
     * the key that signed it, or the token expired early by this node's clock): when it is still the token held, it
     * is dropped, so that the next request logs in again. A token renewed meanwhile is kept.
     */
    public synchronized void tokenRefused(String refusedToken) {
        if (refusedToken.equals(token)) {
            token = null;
        }
    }

    public BeaconInfo beacon() throws IOException {
        var json = authorized(() -> HttpRequest.newBuilder(base.resolve("/api/v1/beacon"))
                .timeout(Duration.ofSeconds(15)).GET(), 200);
        return new BeaconInfo(json.path("chainId").asLong(), json.path("contractAddress").asText(),
                text(json, "rpcUrl"));
    }

    public URI base() {
        return base;
    }

    private synchronized String accessToken() throws IOException {
        if (token != null && clock.instant().isBefore(tokenExpires.minusSeconds(60))) {
            return token;
        }
        try {
            return logIn();
        } catch (ApiException e) {
            throw e.duringLogin();
        }
    }

    private String logIn() throws IOException {
        var challenge = send(http, post(base, "/api/v1/auth/challenge", Map.of("nodeId", nodeId), null), 200);
        var nonce = challenge.path("nonce").asText();
        var signature = Base64.getEncoder().encodeToString(signer.sign(Base64.getDecoder().decode(nonce)));
        var body = new java.util.LinkedHashMap<String, Object>(
                Map.of("nodeId", nodeId, "nonce", nonce, "signature", signature));
        var port = metricsPort;
        if (port != null) {
            body.put("metricsPort", port);
        }
        var verified = send(http, post(base, "/api/v1/auth/verify", body, null), 200);
        token = verified.path("accessToken").asText();
        tokenExpires = clock.instant().plusSeconds(verified.path("expiresIn").asLong(300));
        return token;
    }

    private static HttpRequest.Builder postBuilder(URI base, String path, Object body) throws IOException {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }

    private static HttpRequest post(URI base, String path, Object body, @Nullable String bearer) throws IOException {
        var builder = postBuilder(base, path, body);
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        return builder.build();
    }

    private static JsonNode send(HttpClient http, HttpRequest request, int expected) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.net.ConnectException e) { // the JDK's says neither where nor why (no message)
            var named = new java.net.ConnectException("cannot connect to " + request.uri().getScheme() + "://"
                    + request.uri().getRawAuthority() + (e.getMessage() == null || e.getMessage().isBlank()
                    ? " (connection refused or no route)" : " (" + e.getMessage() + ")"));
            named.initCause(e);
            throw named;
        } catch (IOException e) {
            throw java.util.Objects.requireNonNullElse(Tls.explained(e), e);
        }
        JsonNode json;
        try {
            json = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            json = JSON.nullNode();
        }
        if (response.statusCode() != expected) {
            var errors = new java.util.LinkedHashMap<String, String>();
            json.path("errors").properties().forEach(e -> errors.put(e.getKey(), e.getValue().asText()));
            throw new ApiException(response.statusCode(), json.path("detail").asText(response.body()), errors,
                    text(json, "reason"));
        }
        return json;
    }

    private static @Nullable String text(JsonNode json, String field) {
        var node = json.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }
}
