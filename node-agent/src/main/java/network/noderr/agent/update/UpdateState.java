package network.noderr.agent.update;

/**
 * The states of one update (DESIGN §7), written to disk before each step runs. After a crash the agent resumes the
 * step of the last state written; every step is idempotent, so running it again converges.
 */
public enum UpdateState {
    /** No update in progress. */
    IDLE,
    /** The target is recorded; the image is being pulled by digest. The running container is untouched. */
    PULLING,
    /** Pulled; the digest is being checked against the VersionBeacon record for the tier and version. */
    VERIFYING,
    /**
     * Verified; the running container is being stopped and kept (renamed), not removed. A node without a container goes
     * on at once, the record marked as creating its first one.
     */
    PREPARING,
    /**
     * The old container is stopped; the new one is created with its configuration and started (a node's first one with
     * the configured defaults).
     */
    SWAPPING,
    /** The new container runs; its health is watched for the health window. */
    HEALTH_WINDOW,
    /**
     * Healthy for the whole window: the old container is removed and old images pruned (3 stay: the new and the
     * previous version's, and the newest other one).
     */
    COMMITTING,
    /** The new container failed: it is removed and the old one restarted (a node's first one is only removed). */
    ROLLING_BACK,
    /** The outcome is known and is being reported to the control plane. */
    REPORTING
}
