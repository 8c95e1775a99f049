package network.noderr.agent.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import network.noderr.agent.api.ControlPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push channel: a WebSocket to {@code /api/v1/nodes/stream} on which the control plane says {@code CHECK_NOW} or
 * {@code ROLLBACK}. Each message triggers a version check at once (the check decides what to do). A lost connection
 * is re-opened with exponential backoff (1 s doubling to 60 s, with jitter); the periodic check keeps running
 * regardless, so the push only makes the node faster, never required.
 */
public final class PushClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PushClient.class);
    private static final ObjectMapper JSON = network.noderr.agent.api.Shared.JSON;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final ControlPlane controlPlane;
    private final Consumer<String> onMessage;
    private final HttpClient http = network.noderr.agent.api.Shared.HTTP;
    private final java.util.concurrent.ScheduledExecutorService reconnects =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                    .name("noderr-push").daemon().unstarted(r));
    private volatile boolean open = true;
    private volatile boolean connected;
    private volatile WebSocket socket;
    private volatile Duration backoff = Duration.ofSeconds(1);

    /** @param onMessage gets the message type (CHECK_NOW or ROLLBACK) */
    public PushClient(ControlPlane controlPlane, Consumer<String> onMessage) {
        this.controlPlane = controlPlane;
        this.onMessage = onMessage;
    }

    public void start() {
        reconnects.execute(this::connect);
    }

    public boolean connected() {
        return connected;
    }

    private void connect() {
        if (!open) {
            return;
        }
        try {
            var base = controlPlane.base();
            var uri = URI.create((base.getScheme().equals("https") ? "wss" : "ws") + "://" + base.getAuthority()
                    + "/api/v1/nodes/stream");
            socket = http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + controlPlane.streamToken())
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, new Listener())
                    .get(15, TimeUnit.SECONDS);
            connected = true;
            backoff = Duration.ofSeconds(1);
            log.info("Push channel open");
        } catch (Exception e) {
            log.debug("Push channel not available ({}); retrying in {}", e.toString(), backoff);
            retry();
        } 
    }

    private void retry() {
        connected = false;
        if (!open) {
            return;
        }
        long delay = backoff.toMillis() + ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2 + 1);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        reconnects.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    var type = JSON.readTree(text.toString()).path("type").asText();
                    if (type.equals("CHECK_NOW") || type.equals("ROLLBACK")) {
                        log.info("Push: {}", type);
                        onMessage.accept(type);
                    }
                } catch (Exception e) {
                    log.debug("Ignoring a push message: {}", e.toString());
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            log.info("Push channel closed ({} {}); reconnecting", status, reason);
            retry();
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            log.info("Push channel failed ({}); reconnecting", error.toString());
            retry();
        }
    }

    @Override
    public void close() {
        open = false;
        connected = false;
        var s = socket;
        if (s != null) {
            s.abort();
        }
        reconnects.shutdownNow();
    }
}
