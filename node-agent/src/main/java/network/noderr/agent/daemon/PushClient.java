package network.noderr.agent.daemon;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import network.noderr.agent.api.ControlPlane;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push channel: a WebSocket to {@code /api/v1/nodes/stream} on which the control plane says {@code CHECK_NOW} or
 * {@code ROLLBACK}. Each message triggers a check at once (the check decides what to do): a version query, or for a
 * {@code ROLLBACK} that names its target ({@link PushMessage#rollbackTarget}) the update to it without one. The
 * periodic check keeps running regardless, so the push only makes the node faster, never required.
 *
 * <p>A connection that went silent (a NAT or firewall that forgot it, a peer gone without a FIN) is noticed: the
 * client pings every 30 s and, when nothing (pong or message) arrives within 10 s of a ping, drops the connection and
 * opens another. Reconnects wait a random time between 0 and the backoff (1 s doubling to 60 s), so that a fleet
 * that lost the control plane at the same moment does not come back at the same moment; the backoff starts over only
 * after a connection has lasted 60 s (a control plane that accepts and then drops connections is not hammered).
 *
 * <p>The handshake may take as long as a login request ({@link ControlPlane#REQUEST_TIMEOUT}): it follows the login
 * and meets the same load. A handshake refused with 401 drops the access token it offered, so the next attempt
 * (after the same jittered backoff, so at most one login per attempt) logs in again.
 */
public final class PushClient implements AutoCloseable {

    /** The channel's intervals (tests use short ones). */
    record Timing(Duration pingInterval, Duration pongTimeout, Duration firstBackoff, Duration maxBackoff,
            Duration stableAfter) {
        static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofSeconds(10),
                Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60));
    }

    private static final Logger log = LoggerFactory.getLogger(PushClient.class);

    /**
     * How long the control plane may take to answer the handshake: as long as it may take for a login request, which
     * the handshake follows under the same load (a mass login).
     */
    static final Duration HANDSHAKE_TIMEOUT = ControlPlane.REQUEST_TIMEOUT;

    private final ControlPlane controlPlane;
    private final Consumer<PushMessage> onMessage;
    private final Timing timing;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    /** Where a connection is opened: it blocks for the login and the handshake. */
    private final Executor connector;
    private final boolean ownScheduler;
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong pongs = new AtomicLong();
    /** Handshakes refused with 401 since the last one that opened: the first is a warning, the rest debug. */
    private final AtomicLong refusedInARow = new AtomicLong();
    private volatile boolean open = true;
    private volatile @Nullable Connection current;
    private Duration backoff; // guarded by this

    /** @param onMessage gets each CHECK_NOW or ROLLBACK message */
    public PushClient(ControlPlane controlPlane, Consumer<PushMessage> onMessage) {
        this(controlPlane, onMessage, Timing.DEFAULT);
    }

    PushClient(ControlPlane controlPlane, Consumer<PushMessage> onMessage, Timing timing) {
        this(controlPlane, onMessage, timing, network.noderr.agent.api.Shared.http(),
                Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("noderr-push").daemon()
                        .unstarted(r)), null);
    }

    /**
     * For many channels in one process (the simulator's virtual nodes): each with its own HTTP client (a node's own
     * source address), all sharing one {@code scheduler} for pings and reconnects, which {@link #close()} leaves
     * running, and opening connections on {@code connector} (e.g. virtual threads), so that one slow handshake does
     * not hold up the others.
     */
    public PushClient(ControlPlane controlPlane, Consumer<PushMessage> onMessage, HttpClient http,
            ScheduledExecutorService scheduler, Executor connector) {
        this(controlPlane, onMessage, Timing.DEFAULT, http, scheduler, connector);
    }

    private PushClient(ControlPlane controlPlane, Consumer<PushMessage> onMessage, Timing timing, HttpClient http,
            ScheduledExecutorService scheduler, @Nullable Executor connector) {
        this.controlPlane = controlPlane;
        this.onMessage = onMessage;
        this.timing = timing;
        this.backoff = timing.firstBackoff();
        this.http = http;
        this.scheduler = scheduler;
        this.ownScheduler = connector == null;
        this.connector = connector == null ? scheduler : connector;
    }

    public void start() {
        connectSoon();
    }

    private void connectSoon() {
        try {
            connector.execute(this::connect);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    public boolean connected() {
        var c = current;
        return c != null && !c.ended.get();
    }

    /** How many connections were opened so far. */
    long opened() {
        return opened.get();
    }

    /** How many attempts to open a connection failed so far (the login or the handshake), each followed by a wait. */
    public long failedAttempts() {
        return failed.get();
    }

    /** How many pongs (answers to the client's pings) arrived so far. */
    long pongs() {
        return pongs.get();
    }

    /** The push stream's address on the control plane at {@code base}: ws, or wss for https. */
    public static URI streamUri(URI base) {
        return URI.create((base.getScheme().equals("https") ? "wss" : "ws") + "://" + base.getAuthority()
                + "/api/v1/nodes/stream");
    }

    private void connect() {
        if (!open) {
            return;
        }
        var connection = new Connection();
        String token = null;
        try {
            var uri = streamUri(controlPlane.base());
            token = controlPlane.streamToken();
            http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .connectTimeout(HANDSHAKE_TIMEOUT)
                    .buildAsync(uri, connection)
                    .get(HANDSHAKE_TIMEOUT.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            connection.ended.set(true); // should it open after all, it closes at once
            failed.incrementAndGet();
            if (token != null && handshakeStatus(e) == 401) {
                // The control plane no longer accepts this token (e.g. it no longer knows the key that signed it):
                // the next attempt, after the usual backoff, logs in again instead of offering it once more.
                controlPlane.tokenRefused(token);
                if (refusedInARow.incrementAndGet() == 1) {
                    log.warn("Push channel: the control plane refused the access token; logging in again");
                } else {
                    log.debug("Push channel: the control plane refused the access token again ({} in a row)",
                            refusedInARow.get());
                }
            } else {
                log.debug("Push channel not available ({})", e.toString());
            }
            reconnect(false);
            return;
        }
        opened.incrementAndGet();
        current = connection;
        if (!open) { // closed during the handshake
            close();
            return;
        }
        connection.pinging(scheduler.scheduleWithFixedDelay(connection::ping, timing.pingInterval().toMillis(),
                timing.pingInterval().toMillis(), TimeUnit.MILLISECONDS));
        long refused = refusedInARow.getAndSet(0);
        if (refused > 1) {
            log.info("Push channel open (after {} refused access tokens)", refused);
        } else {
            log.info("Push channel open");
        }
    }

    /** The HTTP status with which the handshake was refused, or 0 when it failed otherwise. */
    private static int handshakeStatus(Throwable failure) {
        for (var e = failure; e != null; e = e.getCause()) {
            if (e instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
        }
        return 0;
    }

    /** Opens another connection after a random wait up to the backoff, which then doubles (to its maximum). */
    private synchronized void reconnect(boolean afterAStableConnection) {
        if (!open) {
            return;
        }
        if (afterAStableConnection) {
            backoff = timing.firstBackoff();
        }
        long delay = ThreadLocalRandom.current().nextLong(backoff.toMillis() + 1); // full jitter
        var doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(timing.maxBackoff()) > 0 ? timing.maxBackoff() : doubled;
        log.debug("Push channel: reconnecting in {} ms", delay);
        try {
            scheduler.schedule(this::connectSoon, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** One WebSocket connection; it ends once (closed, failed or silent) and then asks for the next. */
    private final class Connection implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        final AtomicBoolean ended = new AtomicBoolean();
        private volatile @Nullable WebSocket socket;
        private volatile @Nullable ScheduledFuture<?> pinger;
        private volatile long openedAt;
        private volatile long lastHeard;

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            openedAt = System.nanoTime();
            lastHeard = openedAt;
            if (ended.get()) { // given up on before it opened
                ws.abort();
                return;
            }
            ws.request(1);
        }

        void pinging(ScheduledFuture<?> pinger) {
            this.pinger = pinger;
            if (ended.get()) {
                pinger.cancel(false);
            }
        }

        /** Pings, and ends the connection when nothing has come back within the pong timeout. */
        void ping() {
            var ws = socket;
            if (ended.get() || ws == null) {
                return;
            }
            long sent = System.nanoTime();
            try {
                ws.sendPing(ByteBuffer.allocate(0));
            } catch (RuntimeException e) { // output closed
                end("could not ping (" + e + ")");
                return;
            }
            scheduler.schedule(() -> {
                if (lastHeard - sent < 0) {
                    end("no answer to a ping within " + timing.pongTimeout().toMillis() + " ms");
                }
            }, timing.pongTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        private void heard(WebSocket ws) {
            lastHeard = System.nanoTime();
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    var message = PushMessage.parse(text.toString());
                    if (message.isPresent()) {
                        log.info("Push: {}", message.get());
                        onMessage.accept(message.get());
                    } else {
                        log.debug("Ignoring a push message that is no CHECK_NOW or ROLLBACK");
                    }
                } catch (RuntimeException e) {
                    log.debug("Ignoring a push message: {}", e.toString());
                }
                text.setLength(0);
            }
            heard(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            heard(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            heard(ws); // the pong is sent by the WebSocket itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            pongs.incrementAndGet();
            heard(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            end("closed (" + status + " " + reason + ")");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            end("failed (" + error + ")");
        }

        private void end(String why) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            var p = pinger;
            if (p != null) {
                p.cancel(false);
            }
            var ws = socket;
            if (ws != null) {
                ws.abort();
            }
            boolean stable = System.nanoTime() - openedAt >= timing.stableAfter().toNanos();
            if (open) {
                log.info("Push channel lost: {}; reconnecting", why);
            }
            reconnect(stable);
        }
    }

    @Override
    public void close() {
        open = false;
        var c = current;
        if (c != null) {
            c.ended.set(true);
            var p = c.pinger;
            if (p != null) {
                p.cancel(false); // a shared scheduler keeps running
            }
            var ws = c.socket;
            if (ws != null) {
                ws.abort();
            }
        }
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
    }
}
