package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.time.Clock;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.Approvals;
import network.noderr.controlplane.rollouts.RolloutTransitioned.Cause;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Emergency rollbacks of a tier, for {@link Rollouts}: a person's (at once or after a second person's approval,
 * on-chain first), the engine's half of one already on-chain, and the tier's emergency state (the version it returned
 * to), which the reconciler's automatic rollbacks set too.
 */
@Component
class EmergencyRollbacks {

    /** How an emergency rollback's entry in a rollout's timeline (and its reason) begins. */
    static final String EMERGENCY_ROLLBACK_EVENT = "emergency rollback to ";

    private final RolloutRepository repository;
    private final JdbcClient jdbc;
    private final BeaconPort beacon;
    private final Clock clock;
    private final TransactionTemplate transactions;
    private final Approvals approvals;
    private final RollbackRules rules;
    private final TierVersionHistory history;
    private final RolloutChanges changes;
    private final RolloutViews views;

    EmergencyRollbacks(RolloutRepository repository, JdbcClient jdbc, BeaconPort beacon, Clock clock,
            PlatformTransactionManager transactionManager, Approvals approvals, RollbackRules rules,
            TierVersionHistory history, RolloutChanges changes, RolloutViews views) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.beacon = beacon;
        this.clock = clock;
        this.transactions = new TransactionTemplate(transactionManager);
        this.approvals = approvals;
        this.rules = rules;
        this.history = history;
        this.changes = changes;
        this.views = views;
    }

    /** As {@link Rollouts#requestEmergencyRollback}. */
    RollbackOutcome request(Tier tier, String toVersion, String reason, String actor) {
        if (approvals.required(tier)) {
            return new RollbackOutcome(null, approvals.request(ApprovalRequest.emergencyRollback(tier, toVersion,
                    reason.strip(), history.versionInForce(tier).orElse(null)), actor));
        }
        return new RollbackOutcome(rollBack(tier, toVersion, reason, actor), null);
    }

    /**
     * As {@link Rollouts#emergencyRollback}. The engine's half runs in a transaction begun only once the beacon has
     * answered, so none of ours is held open while it waits for the chain; a caller's own transaction is joined.
     */
    RolloutView rollBack(Tier tier, String toVersion, String reason, String actor) {
        rules.checkRollback(tier, toVersion, reason);
        beacon.emergencyRollback(tier, toVersion, reason.strip(), actor);
        return java.util.Objects.requireNonNull(transactions.execute(
                status -> apply(tier, toVersion, reason.strip(), actor, Cause.REQUEST)));
    }

    /** As {@link Rollouts#applyRollback}, inside the caller's transaction. */
    RolloutView apply(Tier tier, String toVersion, String reason, String actor, Cause cause) {
        changes.lockTier(tier);
        var current = repository.currentForTier(tier).orElseThrow(() -> new ProblemException(409,
                "nothing-to-roll-back", "Nothing to roll back", "Tier " + tier + " has no rollout."));
        if (history.emergencyTarget(tier).filter(toVersion::equals).isPresent()) {
            return views.view(current.id());
        }
        applyEmergency(tier, toVersion, reason, actor);
        var text = EMERGENCY_ROLLBACK_EVENT + toVersion + " by " + actor + ": " + reason;
        // The chain has rolled back already: the engine's half must not be refused because the rollout changed a
        // moment ago (the reconciler does not take the tier's lock). It is read again and rolled back as it is now.
        for (int attempt = 1; ; attempt++) {
            var rollout = attempt == 1 ? current : repository.find(current.id())
                    .orElseThrow(() -> RolloutViews.notFound(current.id()));
            if (!rollout.rollout().status().isFinished()) {
                // Announced as ROLLBACK above (with its target): a CHECK_NOW as well would only make every node ask
                // the version query once more, for the same answer.
                var done = changes.tryChange(rollout.id(), actor, text, cause,
                        (r, now) -> RolloutEngine.rollBack(r, now, text), false);
                if (done.isPresent()) {
                    return done.get();
                }
                if (attempt >= 10) {
                    throw new ProblemException(409, "concurrent-change", "Changed meanwhile", "The rollback to "
                            + toVersion + " is on-chain, but the rollout kept changing; the chain indexer applies it.");
                }
                continue;
            }
            // The finished rollout keeps its status; the tier it belongs to is rolled back.
            changes.record(rollout.id(), tier, rollout.rollout().targetVersion(), RolloutStatus.ROLLED_BACK, text,
                    actor, cause, clock.instant());
            changes.countManualRollback(tier);
            return views.view(rollout.id());
        }
    }

    /**
     * Records the version the tier returned to (it ends when a new release starts), marks the releases it withdrew
     * for good (every release of the tier newer than it; one withdrawn before keeps its first rollback), and tells the
     * tier's nodes.
     */
    void applyEmergency(Tier tier, String version, String text, String actor) {
        var now = Timestamp.from(clock.instant());
        var reason = text.length() > 1000 ? text.substring(0, 1000) : text;
        jdbc.sql("""
                        UPDATE releases r SET rolled_back_to = :v, rolled_back_by = :by, rolled_back_reason = :reason,
                            rolled_back_at = :now
                        FROM releases t
                        WHERE t.tier = :tier AND t.version_string = :v AND r.tier = :tier
                            AND r.created_at > t.created_at AND r.rolled_back_at IS NULL""")
                .param("tier", tier.name())
                .param("v", version)
                .param("reason", reason)
                .param("by", actor)
                .param("now", now)
                .update();
        jdbc.sql("""
                        INSERT INTO tier_emergencies (tier, target_version, reason, created_by, created_at)
                        VALUES (:tier, :v, :reason, :by, :now)
                        ON CONFLICT (tier) DO UPDATE SET target_version = EXCLUDED.target_version,
                            reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at""")
                .param("tier", tier.name())
                .param("v", version)
                .param("reason", reason)
                .param("by", actor)
                .param("now", now)
                .update();
        changes.changed(tier, TierChanged.Kind.ROLLBACK, version);
    }
}
