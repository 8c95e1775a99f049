package network.noderr.controlplane.live;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import network.noderr.controlplane.shared.PgListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shares each replica's flushed change summaries with the other replicas through PostgreSQL {@code NOTIFY}, so a
 * browser sees changes whichever replica a node or a person talked to. At most one notification per replica per
 * window; a replica ignores its own.
 */
@Component
class LiveFanOut implements SmartLifecycle {

    static final String CHANNEL = "noderr_live";
    /** PostgreSQL refuses payloads of 8000 bytes or more; node ids beyond this budget become "more nodes". */
    private static final int MAX_PAYLOAD_BYTES = 7000;
    private static final Logger log = LoggerFactory.getLogger(LiveFanOut.class);

    private final LiveEvents events;
    private final JdbcClient jdbc;
    private final DataSource dataSource;
    private final JsonMapper json;
    private final String origin = UUID.randomUUID().toString();
    private volatile boolean running;
    private @Nullable PgListener listener;
    private @Nullable Disposable outbound;

    LiveFanOut(LiveEvents events, JdbcClient jdbc, DataSource dataSource, JsonMapper json) {
        this.events = events;
        this.jdbc = jdbc;
        this.dataSource = dataSource;
        this.json = json;
    }

    private void announce(ChangeBuffer.Changes changes) {
        try {
            jdbc.sql("SELECT pg_notify(:channel, :payload)")
                    .param("channel", CHANNEL)
                    .param("payload", payload(changes))
                    .query((rs, i) -> 1)
                    .list();
        } catch (RuntimeException e) {
            log.warn("Could not share a live update with the other replicas: {}", e.toString());
        }
    }

    String payload(ChangeBuffer.Changes changes) {
        var ids = new ArrayList<String>();
        int bytes = 200 + origin.length();
        boolean more = changes.moreNodes();
        for (var id : changes.nodeIds()) {
            bytes += id.getBytes(StandardCharsets.UTF_8).length + 4;
            if (bytes > MAX_PAYLOAD_BYTES) {
                more = true;
                break;
            }
            ids.add(id);
        }
        var message = new LinkedHashMap<String, Object>();
        message.put("origin", origin);
        message.put("topics", changes.topics());
        message.put("nodeIds", ids);
        message.put("moreNodes", more);
        return json.writeValueAsString(message);
    }

    private void receive(String payload) {
        try {
            JsonNode message = json.readTree(payload);
            if (origin.equals(message.path("origin").asString())) {
                return;
            }
            var topics = new ArrayList<LiveTopic>();
            message.path("topics").forEach(t -> topics.add(LiveTopic.valueOf(t.asString())));
            var ids = new ArrayList<String>();
            message.path("nodeIds").forEach(id -> ids.add(id.asString()));
            events.remote(new ChangeBuffer.Changes(List.copyOf(topics), List.copyOf(ids),
                    message.path("moreNodes").asBoolean()));
        } catch (RuntimeException e) {
            log.warn("Ignoring a malformed live notification: {}", e.toString());
        }
    }

    @Override
    public void start() {
        running = true;
        // Listen first, so that a change another replica announces once this one serves browsers is not missed.
        listener = PgListener.start(dataSource, CHANNEL, this::receive, Duration.ofSeconds(30));
        outbound = events.localFlushes().subscribe(this::announce);
    }

    @Override
    public void stop() {
        running = false;
        if (outbound != null) {
            outbound.dispose();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
