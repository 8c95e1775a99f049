package network.noderr.controlplane.push;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * node JWT); the node's tier comes from its token. Nodes only listen: anything they send is ignored.
 */
@Component
class NodeStream extends TextWebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(NodeStream.class);

    private final Map<Tier, Set<WebSocketSession>> byTier = new ConcurrentHashMap<>();
    private final Map<String, Tier> tierOf = new ConcurrentHashMap<>();

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
        byTier.computeIfAbsent(tier, t -> ConcurrentHashMap.newKeySet()).add(safe);
        log.debug("Node {} ({}) connected to the stream", token.getName(), tier);
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        var tier = tierOf.remove(session.getId());
        if (tier != null) {
            byTier.getOrDefault(tier, Set.of()).removeIf(s -> s.getId().equals(session.getId()));
        }
    }

    /** Sends a message to every node of the tier connected here; returns how many got it. */
    int send(Tier tier, String json) {
        int sent = 0;
        for (var session : byTier.getOrDefault(tier, Set.of())) {
            try {
                session.sendMessage(new TextMessage(json));
                sent++;
            } catch (IOException | IllegalStateException e) {
                log.debug("Dropping a node stream that failed: {}", e.toString());
            }
        }
        return sent;
    }

    int connected(Tier tier) {
        return byTier.getOrDefault(tier, Set.of()).size();
    }
}
