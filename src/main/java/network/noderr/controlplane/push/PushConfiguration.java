package network.noderr.controlplane.push;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.ServletWebSocketHandlerRegistry;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;

@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class PushConfiguration implements WebSocketConfigurer {

    private final NodeStream stream;

    PushConfiguration(NodeStream stream) {
        this.stream = stream;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Nodes are not browsers and authenticate with a bearer token, not a cookie: no origin restriction needed.
        registry.addHandler(stream, "/api/v1/nodes/stream").setAllowedOrigins("*");
        if (registry instanceof ServletWebSocketHandlerRegistry servlet) {
            servlet.setOrder(-1); // before the controllers, whose /api/** fallback answers unknown paths with 404
        }
    }
}
