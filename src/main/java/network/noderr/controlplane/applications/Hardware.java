package network.noderr.controlplane.applications;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** Hardware an operator declares (application) or a node reports (registration). */
public record Hardware(
        @NotNull @Min(1) @Max(1024) Integer cpuCores,
        @NotNull @Min(1) @Max(65536) Integer memoryGb,
        @NotNull @Min(1) @Max(1_000_000) Integer diskGb,
        @NotNull @Min(0) @Max(1_000_000) Integer networkMbps,
        @NotNull Boolean gpu) {}
