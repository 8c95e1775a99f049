package network.noderr.controlplane.alerts;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** One alert as the management API and the dashboard show it. */
public record AlertView(
        @NonNull UUID id,
        @NonNull String source,
        @NonNull String name,
        @NonNull String severity,
        @NonNull String status,
        @Nullable String nodeId,
        @Nullable String tier,
        @Nullable String summary,
        @NonNull Map<String, String> labels,
        @NonNull Map<String, String> annotations,
        @NonNull Instant startsAt,
        @Nullable Instant endsAt,
        @NonNull Instant lastReceivedAt,
        @Nullable String acknowledgedBy,
        @Nullable Instant acknowledgedAt) {}
