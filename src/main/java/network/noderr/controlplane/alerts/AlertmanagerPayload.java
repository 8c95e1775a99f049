package network.noderr.controlplane.alerts;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Alertmanager's webhook body (version 4); unknown fields are ignored.
 *
 * @param groupKey the alert group this notification is for
 * @param truncatedAlerts how many alerts of the group Alertmanager left out because of the receiver's {@code max_alerts}
 */
record AlertmanagerPayload(
        @NotBlank @Pattern(regexp = "4", message = "must be 4 (Alertmanager's webhook version)") String version,
        @Nullable String receiver,
        @Nullable String groupKey,
        @Nullable @PositiveOrZero Integer truncatedAlerts,
        @NotNull @Size(max = 1000) @Valid List<Alert> alerts) {

    record Alert(
            @NotBlank @Pattern(regexp = "firing|resolved") String status,
            @NotNull Map<String, String> labels,
            @Nullable Map<String, String> annotations,
            @NotNull Instant startsAt,
            @Nullable Instant endsAt,
            @Nullable String generatorURL,
            @NotBlank @Size(max = 64) String fingerprint) {}
}
