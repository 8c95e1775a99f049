package network.noderr.controlplane.rollouts.engine;

import java.util.Locale;

/** How urgently a node should move to its target. */
public enum UpdatePriority {
    NORMAL,
    /** Reserved for releases published as urgent. */
    HIGH,
    /** An emergency rollback: bypasses the node's maintenance window (not an operator's lock). */
    EMERGENCY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
