package network.noderr.controlplane.live;

/** What changed, at the granularity screens refresh by. */
public enum LiveTopic {
    /** The registry: a node registered, was suspended or reinstated, or its health or running version changed. */
    NODES,
    /** Rollouts: started, advanced, paused, aborted or rolled back, or their cohorts' counts changed. */
    ROLLOUTS,
    /** Alerts: raised, updated, resolved or acknowledged. */
    ALERTS
}
