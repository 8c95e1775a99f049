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
 */
public record TierChanged(Tier tier, Kind kind, String version, @Nullable Long versionId) {

    public enum Kind {
        /** Check now: the answer to the version query may have changed. */
        CHECK_NOW,
        /** An emergency rollback: check now and update at emergency priority. */
        ROLLBACK
    }
}
