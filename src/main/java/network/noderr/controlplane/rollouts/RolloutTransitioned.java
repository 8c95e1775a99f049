package network.noderr.controlplane.rollouts;

import java.util.UUID;
import network.noderr.controlplane.shared.Tier;

/**
 * A rollout changed state (started, a cohort activated, paused, resumed, promoted, completed, aborted, rolled back),
 * or an emergency rollback reached a finished rollout's tier: one event per entry in the rollout's timeline, published
 * inside the transaction that made the change, so listeners' writes (the audit log) commit with it.
 *
 * @param status the rollout's status after the change ({@code RolloutStatus} wire name); {@code rolled_back} for an
 *     emergency rollback that reached a tier whose rollout had finished (that rollout keeps its own status)
 * @param event the timeline text, e.g. {@code paused before cohort1: canary not healthy yet: …}
 * @param actor who the timeline names: a username, {@code reconciler}, or {@code chain 0x…} for a chain account
 */
public record RolloutTransitioned(UUID rolloutId, Tier tier, String version, String status, String event, String actor,
        Cause cause) {

    /** What made the change, which decides whether the audit log has it already. */
    public enum Cause {
        /**
         * A person's request: a management API or dashboard call, an approved two-person request, or a publish or
         * rollback this control plane sent and the chain indexer applies. The audit log records the request itself.
         */
        REQUEST,
        /** The reconciler's automatic rollback, which the audit log records as such ({@link AutomaticRollback}). */
        AUTOMATIC_ROLLBACK,
        /** The reconciler on its own: a cohort activated on schedule, a health gate pausing, completion. */
        RECONCILER,
        /** The chain: a version published or a rollback made on-chain by an account outside this control plane. */
        CHAIN
    }
}
