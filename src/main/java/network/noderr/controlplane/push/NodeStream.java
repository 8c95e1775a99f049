package network.noderr.controlplane.push;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import network.noderr.controlplane.security.NodeStatusLookup;
import network.noderr.controlplane.shared.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * The nodes connected to this replica, by tier. The handshake is authenticated by the node API's security chain (a
 * node JWT; a suspended node is refused there); the node's tier comes from its token. Nodes only listen: anything
 * they send is ignored. A node suspended (or removed) while connected gets no further push: before each push the
 * tier's connected nodes are checked in one query, and those the node API would refuse are disconnected instead
 * (a pushed emergency rollback is followed without another request, so the push itself must respect suspension).
 *
 * <p>At most {@link #STREAMS_PER_NODE} streams per node and replica: a node's newest connections replace its oldest,
 * which is closed with {@link #REPLACED}. Two, so that the agent's {@code check} (which opens a stream and closes it
 * again) does not cut the daemon's stream beside it, and a reconnect may overlap a connection not yet seen closed.
 * Without a bound, one node token could hold any number of connections open (a socket, buffers and a place in every
 * push of its tier each).
 */
@Component
class NodeStream extends TextWebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(NodeStream.class);

    private final Map<Tier, Set<WebSocketSession>> byTier = new ConcurrentHashMap<>();
    private final Map<String, Tier> tierOf = new ConcurrentHashMap<>();
    /** The node of each session, by session id. */
    private final Map<String, String> nodeOf = new ConcurrentHashMap<>();
    /** The streams of each connected node, oldest first. */
    private final Map<String, java.util.List<WebSocketSession>> streamsOf = new ConcurrentHashMap<>();

    /** How many streams one node may hold open on a replica. */
    static final int STREAMS_PER_NODE = 2;

    /** Sent to a node's oldest stream when the node opens one more than {@link #STREAMS_PER_NODE}. */
    static final CloseStatus REPLACED = new CloseStatus(4000, "replaced by a newer stream of this node");
    private final NodeStatusLookup nodes;

    NodeStream(NodeStatusLookup nodes) {
        this.nodes = nodes;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) throws IOException {
        if (!(session.getPrincipal() instanceof JwtAuthenticationToken token) || token.getToken().getClaim("tier")
                == null) {
            session.close(CloseStatus.POLICY_VIOLATION);
            return;
        }
        var tier = Tier.valueOf(token.getToken().getClaimAsString("tier"));
        var safe = new ConcurrentWebSocketSessionDecorator(session, 5_000, 64 * 1024);
        tierOf.put(session.getId(), tier);
        nodeOf.put(session.getId(), token.getName());
        byTier.computeIfAbsent(tier, t -> ConcurrentHashMap.newKeySet()).add(safe);
        var replaced = new java.util.ArrayList<WebSocketSession>();
        streamsOf.compute(token.getName(), (node, streams) -> {
            var kept = new java.util.ArrayList<WebSocketSession>(streams == null ? java.util.List.of() : streams);
            kept.add(safe);
            while (kept.size() > STREAMS_PER_NODE) {
                replaced.add(kept.removeFirst());
            }
            return kept;
        });
        log.debug("Node {} ({}) connected to the stream", token.getName(), tier);
        for (var older : replaced) {
            forget(older.getId());
            try {
                older.close(REPLACED);
            } catch (IOException | IllegalStateException e) {
                log.debug("Closing a replaced node stream failed: {}", e.toString());
            }
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        forget(session.getId());
    }

    private void forget(String sessionId) {
        var tier = tierOf.remove(sessionId);
        var node = nodeOf.remove(sessionId);
        if (node != null) {
            streamsOf.computeIfPresent(node, (n, streams) -> {
                var kept = streams.stream().filter(s -> !s.getId().equals(sessionId)).toList();
                return kept.isEmpty() ? null : kept;
            });
        }
        if (tier != null) {
            byTier.getOrDefault(tier, Set.of()).removeIf(s -> s.getId().equals(sessionId));
        }
    }

    /**
     * Sends a message to every active node of the tier connected here; returns how many got it. Sessions of nodes
     * that are no longer active are closed instead.
     */
    int send(Tier tier, String json) {
        var sessions = java.util.List.copyOf(byTier.getOrDefault(tier, Set.of()));
        if (sessions.isEmpty()) {
            return 0;
        }
        Set<String> active;
        try {
            active = nodes.active(sessions.stream().map(s -> nodeOf.get(s.getId()))
                    .filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toSet()));
        } catch (org.springframework.dao.DataAccessException e) {
            // Fails closed: which nodes may hear it is unknown. They learn the change at their next poll.
            log.warn("Push to {} not sent: the nodes' status could not be read ({})", tier, e.toString());
            return 0;
        }
        int sent = 0;
        for (var session : sessions) {
            if (!active.contains(nodeOf.get(session.getId()))) {
                close(session);
                continue;
            }
            try {
                session.sendMessage(new TextMessage(json));
                sent++;
            } catch (IOException | IllegalStateException e) {
                log.debug("Dropping a node stream that failed: {}", e.toString());
            }
        }
        return sent;
    }

    private void close(WebSocketSession session) {
        log.info("Closing the push stream of node {}: it is suspended or no longer registered",
                nodeOf.get(session.getId()));
        try {
            session.close(CloseStatus.POLICY_VIOLATION);
        } catch (IOException | IllegalStateException e) {
            log.debug("Closing a node stream failed: {}", e.toString());
        }
    }

    /** How many streams this node holds open here. */
    int streams(String nodeId) {
        return streamsOf.getOrDefault(nodeId, java.util.List.of()).size();
    }
}
