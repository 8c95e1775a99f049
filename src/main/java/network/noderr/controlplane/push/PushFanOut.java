package network.noderr.controlplane.push;

import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import network.noderr.controlplane.rollouts.TierChanged;
import network.noderr.controlplane.rollouts.TierTargets;
import network.noderr.controlplane.shared.PgListener;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fans tier changes out to every replica's connected nodes: a change is announced with {@code pg_notify} inside the
 * transaction that made it (PostgreSQL delivers it only if that commits), and each replica listens on its own
 * connection, drops its cached version answer for the tier and pushes to its nodes.
 */
@Component
class PushFanOut implements SmartLifecycle {

    static final String CHANNEL = "noderr_push";
    private static final Logger log = LoggerFactory.getLogger(PushFanOut.class);

    private final JdbcClient jdbc;
    private final DataSource dataSource;
    private final NodeStream stream;
    private final TierTargets targets;
    private final JsonMapper json;
    private volatile boolean running;
    private @Nullable PgListener listener;

    PushFanOut(JdbcClient jdbc, DataSource dataSource, NodeStream stream, TierTargets targets, JsonMapper json) {
        this.jdbc = jdbc;
        this.targets = targets;
        this.dataSource = dataSource;
        this.stream = stream;
        this.json = json;
    }

    /**
     * Announces the change as the push message: {@code {type, tier, versionId, version}} and, on a {@code ROLLBACK},
     * the target's {@code dockerImageTag} and {@code imageDigest} (optional fields: nodes ignore fields they do not
     * know, and nodes that get none ask the version query).
     */
    @EventListener
    void on(TierChanged change) {
        var message = new java.util.LinkedHashMap<String, Object>();
        message.put("type", change.kind().name());
        message.put("tier", change.tier().name());
        message.put("versionId", change.versionId());
        message.put("version", change.version());
        if (change.kind() == TierChanged.Kind.ROLLBACK && change.imageRef() != null && change.imageDigest() != null) {
            // What the version query would answer while the rollback is in force (for every cohort of the tier), so
            // that a node can follow it without asking: one request per node (its update report) instead of two.
            // Named as in the version query's answer; the node checks the digest against the VersionBeacon all the
            // same. A CHECK_NOW carries none: what it means depends on the node's cohort.
            message.put("dockerImageTag", change.imageRef());
            message.put("imageDigest", change.imageDigest());
        }
        jdbc.sql("SELECT pg_notify(:channel, :payload)")
                .param("channel", CHANNEL)
                .param("payload", json.writeValueAsString(message))
                .query((rs, i) -> 1)
                .list();
    }

    @Override
    public void start() {
        running = true;
        // Start accepting node connections only once this replica listens: a change committed in between would
        // otherwise never reach the nodes connected here.
        listener = PgListener.start(dataSource, CHANNEL, this::deliver, Duration.ofSeconds(30));
    }

    @Override
    public void stop() {
        running = false;
        if (listener != null) {
            listener.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * A committed change's notice: drop this replica's cached answer for the tier first (the nodes ask again at once,
     * and must not get the state from before the change), then push to the tier's nodes connected here.
     */
    void deliver(String payload) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> message = json.readValue(payload, Map.class);
            var tier = Tier.valueOf((String) message.get("tier"));
            targets.invalidate(tier);
            int sent = stream.send(tier, payload);
            log.debug("{} for {} pushed to {} node(s) on this replica", message.get("type"), tier, sent);
        } catch (RuntimeException e) {
            log.warn("Ignoring a malformed push notification: {}", e.toString());
        }
    }
}
