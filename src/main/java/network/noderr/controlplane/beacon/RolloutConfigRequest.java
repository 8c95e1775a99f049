package network.noderr.controlplane.beacon;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** A rollout config to set on-chain (the contract enforces the same bounds). */
public record RolloutConfigRequest(
        @Min(1) @Max(50) int canaryPercentage,
        @Min(1) @Max(33) int cohortPercentage,
        @Min(1) @Max(720) int cohortDelayHours) {}
