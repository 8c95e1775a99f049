package network.noderr.controlplane;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Plain JSON over HTTP against the running test server, as agents, installers and scripts call it. */
public final class ApiClient {

    /**
     * Publishes whatever version a test needs: the suite's tests share one database, so a higher version another test
     * published must not refuse it as a downgrade (the downgrade refusal has its own test).
     */
    public static final String PUBLISH_ANY_VERSION = "/api/v1/admin/releases?allowDowngrade=true";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A response with its parsed JSON body (or null when the body is not JSON). */
    public record Response(int status, JsonNode body, Map<String, java.util.List<String>> headers) {
        public String text(String field) {
            return body.path(field).asString();
        }

        /** The short problem type, e.g. {@code install-token-used}. */
        public String problemType() {
            var type = body.path("type").asString();
            return type.substring(type.lastIndexOf('/') + 1);
        }
    }

    private final String baseUrl;
    private final HttpClient http;

    public ApiClient(int port) {
        this(port, null);
    }

    /** A client whose connections come from {@code localAddress} (e.g. 127.0.0.9), for per-address limits. */
    public ApiClient(int port, InetAddress localAddress) {
        this.baseUrl = "http://127.0.0.1:" + port;
        var builder = HttpClient.newBuilder();
        if (localAddress != null) {
            builder.localAddress(localAddress);
        }
        this.http = builder.build();
    }

    public Response post(String path, Object body) {
        return post(path, body, null);
    }

    public Response post(String path, Object body, String bearer) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body))),
                bearer);
    }

    public Response put(String path, Object body, String bearer) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), bearer);
    }

    public Response delete(String path, String bearer) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).DELETE(), bearer);
    }

    public Response get(String path, String bearer) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET(), bearer);
    }

    private Response send(HttpRequest.Builder request, String bearer) {
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body;
            try {
                body = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
            } catch (RuntimeException e) {
                body = JSON.nullNode();
            }
            return new Response(response.statusCode(), body, response.headers().map());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
