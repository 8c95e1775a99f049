package network.noderr.controlplane.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ServletContext;
import jakarta.websocket.server.ServerContainer;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.unit.DataSize;

/**
 * The push stream's WebSocket buffers are small ({@code noderr.push.buffer-size}, 1 KB by default, instead of Tomcat's
 * 8 KB: each connected node holds them for as long as it runs), and a stream still carries what it must: a push
 * longer than the buffers arrives whole, and a node's ping is answered.
 */
@IntegrationTest
class PushBuffersTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    NodeStream stream;

    @Autowired
    ServletContext servletContext;

    @Test
    void tomcatsWebSocketBuffersAreTheConfiguredSize() {
        assertThat(System.getProperty(PushConfiguration.TOMCAT_BUFFER_SIZE)).as("frame and encoder buffers")
                .isEqualTo("1024");
        var container = (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
        assertThat(container.getDefaultMaxTextMessageBufferSize()).isEqualTo(1024);
        assertThat(container.getDefaultMaxBinaryMessageBufferSize()).isEqualTo(1024);
    }

    @Test
    void aPushLongerThanTheBuffersArrivesWholeAndAPingIsAnswered() throws Exception {
        var node = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(),
                Tier.GUARDIAN);
        var messages = new LinkedBlockingQueue<String>();
        var pong = new CompletableFuture<String>();
        var socket = connect(node[1], messages, pong);
        Awaitility.await("the node is registered on the stream").atMost(Duration.ofSeconds(10))
                .until(() -> stream.streams(node[0]) == 1);
        try {
            // Multi-byte characters too: the encoder's buffer is counted in bytes, the text in characters.
            var longMessage = "{\"type\":\"BUFFER_TEST\",\"tier\":\"GUARDIAN\",\"note\":\"" + "é€x".repeat(3000)
                    + "\"}";
            assertThat(stream.send(Tier.GUARDIAN, longMessage)).isPositive();
            String received;
            do {
                received = messages.poll(10, TimeUnit.SECONDS);
                assertThat(received).as("the long push arrives").isNotNull();
            } while (!received.contains("BUFFER_TEST"));
            assertThat(received).isEqualTo(longMessage);

            socket.sendPing(ByteBuffer.wrap("are you there".getBytes())).get(10, TimeUnit.SECONDS);
            assertThat(pong.get(10, TimeUnit.SECONDS)).isEqualTo("are you there");
        } finally {
            socket.abort();
        }
    }

    @Test
    void theBufferSizeIsBounded() {
        assertThat(new PushSettings(DataSize.ofBytes(128)).bufferBytes()).isEqualTo(128);
        assertThat(new PushSettings(DataSize.ofKilobytes(64)).bufferBytes()).isEqualTo(65_536);
        assertThatThrownBy(() -> new PushSettings(DataSize.ofBytes(127)))
                .hasMessage("noderr.push.buffer-size must be 128B to 64KB, not 127B");
        assertThatThrownBy(() -> new PushSettings(DataSize.ofBytes(65_537)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private WebSocket connect(String token, LinkedBlockingQueue<String> messages, CompletableFuture<String> pong)
            throws Exception {
        return new TestStream(messages, new CompletableFuture<>(), pong).open(port, token);
    }
}
