package network.noderr.controlplane.approvals;

import java.time.Instant;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** A tier's two-person rule: when enabled, publish and emergency rollback need a second approver. */
public record TwoPersonRuleView(@NonNull Tier tier, boolean enabled, @Nullable String updatedBy,
        @NonNull Instant updatedAt) {}
