package network.noderr.controlplane.rollouts;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.Endpoints;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** The Rollouts screen: everyone reads; RELEASE_MANAGER and ADMIN pause, resume, promote and abort. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class RolloutsService {

    private final Rollouts rollouts;

    RolloutsService(Rollouts rollouts) {
        this.rollouts = rollouts;
    }

    /** {@code finishedLimit}: how many finished rollouts to include, 1-200 (the screen loads older ones by page). */
    public @NonNull RolloutHistory list(@Nullable Tier tier, int finishedLimit) {
        return Endpoints.call(() -> {
            var open = rollouts.open().stream().filter(r -> tier == null || r.tier() == tier).toList();
            return new RolloutHistory(open, rollouts.finished(tier, null, finishedLimit).rollouts(),
                    rollouts.finishedCount(tier));
        });
    }

    /**
     * The next (older) page of finished rollouts after the rollout {@code before}, at most {@code limit} (1-200);
     * {@code nextBefore} is null on the last page.
     */
    public @NonNull RolloutPage olderFinished(@Nullable Tier tier, @NonNull UUID before, int limit) {
        return Endpoints.call(() -> rollouts.finished(tier, before, limit));
    }

    /**
     * Shares from 0 to 1: roll back above this unhealthy, above this failed; next cohort at this updated.
     * {@code minSample}: how many nodes must back a breach for an automatic rollback (1-1,000,000; null keeps the
     * rollout's own). {@code minOperators}: how many distinct operators (applications) those nodes must belong to
     * (1-1,000,000; null keeps the rollout's own).
     */
    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull RolloutView setThresholds(@NonNull UUID id, double maxUnhealthyRatio, double maxErrorRate,
            double gateMinUpdatedRatio, @Nullable Integer minSample, @Nullable Integer minOperators) {
        return Endpoints.call(() -> {
            share("maxUnhealthyRatio", maxUnhealthyRatio);
            share("maxErrorRate", maxErrorRate);
            share("gateMinUpdatedRatio", gateMinUpdatedRatio);
            if (minSample != null && (minSample < 1 || minSample > RolloutThresholds.MAX_MIN_SAMPLE)) {
                throw new InvalidRequestException("minSample", "must be 1 to " + RolloutThresholds.MAX_MIN_SAMPLE);
            }
            if (minOperators != null && (minOperators < 1 || minOperators > RolloutThresholds.MAX_MIN_OPERATORS)) {
                throw new InvalidRequestException("minOperators",
                        "must be 1 to " + RolloutThresholds.MAX_MIN_OPERATORS);
            }
            return rollouts.setThresholds(id,
                    new RolloutThresholds(maxUnhealthyRatio, maxErrorRate, gateMinUpdatedRatio), minSample,
                    minOperators, Actors.currentUsername());
        });
    }

    private static void share(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new InvalidRequestException(field, "must be between 0 and 1");
        }
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull RolloutView pause(@NonNull UUID id, @Nullable String reason) {
        return Endpoints.call(() -> rollouts.pause(id, Actors.currentUsername(), reason));
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull RolloutView resume(@NonNull UUID id) {
        return Endpoints.call(() -> rollouts.resume(id, Actors.currentUsername()));
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    /** {@code expectedCohort}: the cohort the admin confirmed; refused when the next one is another by now. */
    public @NonNull RolloutView promote(@NonNull UUID id, @Nullable String expectedCohort) {
        return Endpoints.call(() -> rollouts.promote(id, Actors.currentUsername(), expectedCohort));
    }

    @RolesAllowed(Role.Names.RELEASE_MANAGER)
    @Audited
    public @NonNull RolloutView abort(@NonNull UUID id, @Nullable String reason) {
        return Endpoints.call(() -> rollouts.abort(id, Actors.currentUsername(), reason));
    }

}
