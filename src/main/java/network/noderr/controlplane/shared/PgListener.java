package network.noderr.controlplane.shared;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on one PostgreSQL {@code NOTIFY} channel on a connection of its own and hands every payload to a receiver,
 * on one platform thread; a lost connection is re-opened after a second. What a replica shares with the other
 * replicas (node pushes, live dashboard changes) travels this way.
 */
public final class PgListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgListener.class);
    private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final String channel;
    private final Consumer<String> receiver;
    private final CountDownLatch listening = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    private PgListener(DataSource dataSource, String channel, Consumer<String> receiver) {
        if (!channel.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("Not a plain channel name: " + channel);
        }
        this.dataSource = dataSource;
        this.channel = channel;
        this.receiver = receiver;
        this.thread = Thread.ofPlatform().name("pg-listen-" + channel).daemon().unstarted(this::listen);
    }

    /**
     * Starts listening and returns once {@code LISTEN} is in place (or after {@code wait}, with a warning), so that a
     * change committed after this returns is not missed.
     */
    public static PgListener start(DataSource dataSource, String channel, Consumer<String> receiver, Duration wait) {
        var listener = new PgListener(dataSource, channel, receiver);
        listener.thread.start();
        try {
            if (!listener.listening.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Not listening on {} after {}; notifications may be late until it is", channel, wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return listener;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    private void listen() {
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (var st = c.createStatement()) {
                    st.execute("LISTEN " + channel);
                }
                listening.countDown();
                var pg = c.unwrap(PGConnection.class);
                while (running) {
                    var notifications = pg.getNotifications(1000);
                    if (notifications != null) {
                        for (var n : notifications) {
                            deliver(n.getParameter());
                        }
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    log.warn("Listener on {} lost its connection ({}); reconnecting", channel, e.getMessage());
                    pause();
                }
            }
        }
    }

    private void deliver(String payload) {
        try {
            receiver.accept(payload);
        } catch (RuntimeException e) {
            log.warn("Ignoring a notification on {} that could not be handled: {}", channel, e.toString());
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
