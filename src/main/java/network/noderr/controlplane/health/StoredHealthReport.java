package network.noderr.controlplane.health;

import java.math.BigDecimal;
import java.time.Instant;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** One stored health report; {@code reportedAt} is the node's clock, {@code receivedAt} the control plane's. */
public record StoredHealthReport(
        @NonNull String version,
        long uptime,
        @Nullable BigDecimal cpu,
        @Nullable BigDecimal memory,
        @Nullable BigDecimal disk,
        int errors,
        @NonNull Instant reportedAt,
        @NonNull Instant receivedAt) {}
