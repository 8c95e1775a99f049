package network.noderr.controlplane.beacon;

import network.noderr.controlplane.rollouts.RolledBackRelease;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * A tier as the chain (mirror) has it.
 *
 * @param twoPersonRule whether publish and emergency rollback for this tier wait for a second approver
 * @param rolledBack the tier's first release when its rollout was rolled back: the chain has nothing earlier to point
 *     at, so the tier stays on it until a fixed release is published; null otherwise
 * @param openRollout the tier's rollout while it runs or is paused (a publish is refused meanwhile); null otherwise
 */
public record TierView(@NonNull Tier tier, @Nullable Long currentVersionId, @Nullable String currentVersion,
        @Nullable String imageDigest, int canaryPercentage, int cohortPercentage, int cohortDelayHours,
        boolean twoPersonRule, @Nullable RolledBackRelease rolledBack,
        @Nullable TierRollout openRollout) {}
