package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/**
 * What a tier should run changed (a rollout started, a cohort activated, a rollout paused or resumed, an emergency
 * rollback). Published inside the transaction that made the change; the push feature tells the tier's connected
 * nodes once it commits.
 *
 * @param version the version the change is about
 * @param versionId its on-chain version id, when it was published on-chain
 * @param imageRef the version's image reference, when it is a released version
 * @param imageDigest the version's image digest ({@code sha256:…}), when it is a released version
 */
public record TierChanged(Tier tier, Kind kind, String version, @Nullable Long versionId, @Nullable String imageRef,
        @Nullable String imageDigest) {

    public TierChanged(Tier tier, Kind kind, String version, @Nullable Long versionId) {
        this(tier, kind, version, versionId, null, null);
    }

    public enum Kind {
        /** Check now: the answer to the version query may have changed. */
        CHECK_NOW,
        /**
         * An emergency rollback: every node of the tier not on {@code version} updates to it at emergency priority
         * (the version query's answer while it is in force, for every cohort).
         */
        ROLLBACK
    }
}
