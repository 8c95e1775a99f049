package network.noderr.agent.update;

/** How an update ended, as reported to {@code POST /api/v1/updates}. */
public enum UpdateOutcome {
    SUCCEEDED,
    /** The new version failed its health window (or its start) and the old one runs again. */
    ROLLED_BACK,
    /**
     * Refused or failed before the running container was touched (pull, digest check); it still runs. Also a rollback
     * that found no old container to go back to (its reason says so): then nothing was started.
     */
    FAILED
}
