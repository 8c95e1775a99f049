package network.noderr.controlplane.beacon;

import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * A tier as the chain (mirror) has it.
 *
 * @param twoPersonRule whether publish and emergency rollback for this tier wait for a second approver
 */
public record TierView(@NonNull Tier tier, @Nullable Long currentVersionId, @Nullable String currentVersion,
        @Nullable String imageDigest, int canaryPercentage, int cohortPercentage, int cohortDelayHours,
        boolean twoPersonRule) {}
