package network.noderr.controlplane.beacon;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import java.util.List;
import java.util.Locale;
import network.noderr.controlplane.rollouts.RollbackOutcome;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.Endpoints;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * The Releases screen: everyone reads versions, tiers and chain status; RELEASE_MANAGER publishes and rolls back
 * (typing the tier's name to confirm); ADMIN sets rollout configs.
 */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class ReleasesService {

    private final Beacon beacon;
    private final Rollouts rollouts;

    ReleasesService(Beacon beacon, Rollouts rollouts) {
        this.beacon = beacon;
        this.rollouts = rollouts;
    }

    public @NonNull BeaconStatusView status() {
        return beacon.status();
    }

    public @NonNull List<@NonNull ReleaseView> releases(@Nullable Tier tier) {
        return beacon.releases(tier);
    }

    public @NonNull List<@NonNull TransactionView> transactions() {
        return beacon.transactions(50);
    }

    /**
     * What publishing {@code version} to {@code tier} would move down (the publish confirmation warns with it); null
     * when it moves nothing down.
     */
    public @Nullable Downgrade downgrade(@NonNull Tier tier, @NonNull String version) {
        return Endpoints.call(() -> {
            if (version.isBlank() || version.length() > 50) {
                throw new InvalidRequestException("version", "must be 1 to 50 characters");
            }
            return beacon.downgrade(tier, version.strip()).orElse(null);
        });
    }

    /** Sends the publish, or holds it for a second approver when the tier's two-person rule is on. */
    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull PublishOutcome publish(@Valid @NonNull ReleaseRequest request) {
        return Endpoints.call(() -> beacon.requestPublish(request, Actors.currentUsername()));
    }

    @RolesAllowed(Role.Names.ADMIN)
    @Audited
    public @NonNull SubmittedTransaction setRolloutConfig(@NonNull Tier tier,
            @Valid @NonNull RolloutConfigRequest request) {
        return Endpoints.call(() -> beacon.setRolloutConfig(tier, request, Actors.currentUsername()));
    }

    /**
     * Rolls the tier back on-chain and in the engine, or holds it for a second approver when the tier's two-person
     * rule is on; {@code confirmation} must be the tier's name.
     */
    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull RollbackOutcome emergencyRollback(@NonNull Tier tier, @NonNull String toVersion,
            @NonNull String reason, @NonNull String confirmation) {
        return Endpoints.call(() -> {
            if (!confirmation.strip().toUpperCase(Locale.ROOT).equals(tier.name())) {
                throw new InvalidRequestException("confirmation", "type " + tier.name() + " to confirm");
            }
            return rollouts.requestEmergencyRollback(tier, toVersion, reason, Actors.currentUsername());
        });
    }
}
