package network.noderr.controlplane.push;

import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.ServletWebSocketHandlerRegistry;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * The node push stream's endpoint, and the size of Tomcat's per-session WebSocket buffers ({@link PushSettings}):
 * with 8 KB each (Tomcat's default) a connected node cost about 100 KB of heap, most of it buffers it never fills.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class PushConfiguration implements WebSocketConfigurer {

    /**
     * Tomcat's size for a session's frame input, output and encoder buffers, and its default for the message buffers
     * below. A system property, read once when Tomcat's WebSocket classes load (when the server starts).
     */
    static final String TOMCAT_BUFFER_SIZE = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

    private final NodeStream stream;

    PushConfiguration(NodeStream stream) {
        this.stream = stream;
    }

    /** Sets Tomcat's buffer size before the web server starts (customizers run before it is created). */
    @Bean
    static WebServerFactoryCustomizer<ConfigurableServletWebServerFactory> webSocketBufferSize(PushSettings settings) {
        return factory -> System.setProperty(TOMCAT_BUFFER_SIZE, String.valueOf(settings.bufferBytes()));
    }

    /** The largest message a client may send, per session (Tomcat allocates both buffers for every session). */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer(PushSettings settings) {
        var container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(settings.bufferBytes());
        container.setMaxBinaryMessageBufferSize(settings.bufferBytes());
        return container;
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
