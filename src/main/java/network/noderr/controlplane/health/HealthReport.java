package network.noderr.controlplane.health;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One health report as a node sends it (DESIGN §3). */
public record HealthReport(
        @NotBlank @Size(max = 64) String nodeId,
        @NotBlank @Size(max = 50) String version,
        @NotNull @Valid Metrics metrics,
        @NotNull Instant timestamp) {

    /** Percentages are 0-100; uptime in seconds; errors since the previous report. */
    public record Metrics(
            @NotNull @Min(0) Long uptime,
            @NotNull @DecimalMin("0") @DecimalMax("100") Double cpu,
            @NotNull @DecimalMin("0") @DecimalMax("100") Double memory,
            @DecimalMin("0") @DecimalMax("100") @Nullable Double disk,
            @NotNull @Min(0) @Max(1_000_000) Integer errors) {}
}
