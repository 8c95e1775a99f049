package network.noderr.controlplane.live;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Live stream settings ({@code noderr.live.*}).
 *
 * @param coalesce the window changes are gathered in: each subscriber gets at most one change event per window
 *     (default 1 s; 100 ms to 1 min)
 * @param heartbeat how often an idle stream says it is alive (default 20 s; longer than {@code coalesce}, at most
 *     5 min)
 * @param maxNodeIds how many changed node ids one event lists at most before it only says "more" (default 200)
 */
@ConfigurationProperties("noderr.live")
public record LiveProperties(
        @DefaultValue("PT1S") Duration coalesce,
        @DefaultValue("PT20S") Duration heartbeat,
        @DefaultValue("200") int maxNodeIds) {

    public LiveProperties {
        if (coalesce.compareTo(Duration.ofMillis(100)) < 0 || coalesce.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("noderr.live.coalesce must be 100ms to 1m, not " + coalesce);
        }
        if (heartbeat.compareTo(coalesce) <= 0 || heartbeat.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("noderr.live.heartbeat must be longer than noderr.live.coalesce and "
                    + "at most 5m, not " + heartbeat);
        }
        if (maxNodeIds < 1 || maxNodeIds > 1000) {
            throw new IllegalArgumentException("noderr.live.max-node-ids must be 1 to 1000, not " + maxNodeIds);
        }
    }
}
