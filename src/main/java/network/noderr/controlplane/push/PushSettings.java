package network.noderr.controlplane.push;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Push stream settings ({@code noderr.push.*}).
 *
 * @param bufferSize the size of each WebSocket session's buffers in Tomcat: the frame input and output buffers, the
 *     text encoder's, and the largest message a client may send (default 1 KB; 128 B to 64 KB). Every connected node
 *     holds one session for as long as it runs, and Tomcat's 8 KB default made the buffers most of a stream's heap.
 *     Nodes send no messages (pings and pongs are control frames of at most 125 bytes, buffered apart) and the
 *     control plane's are a few hundred bytes; a longer outgoing message is written in several pieces. Applies to
 *     the dashboard's push WebSocket too, whose messages from the browser (subscriptions) are as small. Tomcat reads
 *     its part once per JVM, when its WebSocket support is first used.
 */
@ConfigurationProperties("noderr.push")
public record PushSettings(@DefaultValue("1KB") DataSize bufferSize) {

    public PushSettings {
        if (bufferSize.toBytes() < 128 || bufferSize.toBytes() > DataSize.ofKilobytes(64).toBytes()) {
            throw new IllegalArgumentException("noderr.push.buffer-size must be 128B to 64KB, not " + bufferSize);
        }
    }

    int bufferBytes() {
        return Math.toIntExact(bufferSize.toBytes());
    }
}
