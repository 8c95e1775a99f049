package network.noderr.controlplane.rollouts;

import network.noderr.controlplane.shared.Tier;

/**
 * A node's recorded versions changed: it sent an update report, or its version query recorded a new current or target
 * version. Rollout progress and the node's version history change with it.
 */
public record NodeVersionChanged(String nodeId, Tier tier, Source source) {

    public enum Source {
        /** The node reported an update attempt (succeeded, rolled back or failed). */
        UPDATE_REPORT,
        /** The version query recorded a changed current or target version. */
        VERSION_QUERY
    }
}
