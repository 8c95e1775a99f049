package network.noderr.controlplane.push;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A node's push stream as the tests open it: each whole text message (however many frames it came in) goes into
 * {@code messages}, the close status the server sends completes {@code closed}, a pong's payload completes
 * {@code pong}.
 */
record TestStream(BlockingQueue<String> messages, CompletableFuture<Integer> closed, CompletableFuture<String> pong) {

    TestStream(BlockingQueue<String> messages) {
        this(messages, new CompletableFuture<>(), new CompletableFuture<>());
    }

    /** Opens the stream on the control plane at {@code port}, with the node's access token (none: no header). */
    WebSocket open(int port, @Nullable String token) throws Exception {
        var builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/nodes/stream"), listener())
                .get(10, TimeUnit.SECONDS);
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    messages.add(text.toString());
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
                var bytes = new byte[message.remaining()];
                message.get(bytes);
                pong.complete(new String(bytes, StandardCharsets.UTF_8));
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }
        };
    }
}
