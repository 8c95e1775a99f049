package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Which emergency rollbacks a person may ask for: checked before the chain is asked, and again on approval. */
@Component
class RollbackRules {

    private final RolloutRepository repository;
    private final JdbcClient jdbc;
    private final TierVersionHistory history;

    RollbackRules(RolloutRepository repository, JdbcClient jdbc, TierVersionHistory history) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.history = history;
    }

    /**
     * Refuses a rollback without a reason; to a version that is not released before the current one (400); to the
     * version an emergency rollback in force already returned the tier to ({@code already-rolled-back}); to a release
     * that was itself rolled back ({@code rollback-target-rolled-back}); and to a release above what the tier runs
     * ({@code rollback-target-above}): above the rollback in force, or released after the version the tier ran when
     * its current rollout started and run by none of its nodes. A rollback moves every node at emergency priority
     * with no canary: it only ever returns the tier to what it ran.
     */
    void checkRollback(Tier tier, String toVersion, @Nullable String reason) {
        if (reason == null || reason.isBlank()) {
            throw new InvalidRequestException("reason", "must say why (it is shown to everyone and kept)");
        }
        var current = repository.currentForTier(tier).orElseThrow(() -> new ProblemException(409,
                "nothing-to-roll-back", "Nothing to roll back", "Tier " + tier + " has no rollout."));
        var target = history.releasedAt(tier, toVersion).orElseThrow(() -> new InvalidRequestException("toVersion",
                "is not a released " + tier + " version"));
        var currentCreated = jdbc.sql("SELECT created_at FROM releases WHERE id = :id")
                .param("id", current.releaseId())
                .query(Timestamp.class)
                .single();
        if (!target.before(currentCreated)) {
            throw new InvalidRequestException("toVersion", "must be a version released before "
                    + current.rollout().targetVersion());
        }
        var emergency = history.emergencyTarget(tier);
        if (emergency.filter(toVersion::equals).isPresent()) {
            throw new ProblemException(409, "already-rolled-back", "Already rolled back", tier
                    + " is already rolled back to " + toVersion + " (from " + current.rollout().targetVersion()
                    + "): every node not on it is told to switch to it. Nothing to do; to go further back, choose an"
                    + " earlier version.");
        }
        // What the tier ran: the rollback in force, else (an unfinished, aborted or rolled-back rollout) what it ran
        // when its rollout started. After a completed rollout it runs that rollout's release (refused above).
        var ran = emergency.isPresent() ? emergency
                : current.rollout().status() == RolloutStatus.COMPLETED ? java.util.Optional.<String>empty()
                : history.previousVersion(current);
        if (!ran.filter(toVersion::equals).isPresent()) {
            // Rolled back during its rollout, or withdrawn by an emergency rollback after it (recorded for good: the
            // tier may have moved on to a newer release since).
            if (history.rolledBack(tier, toVersion)) {
                throw new ProblemException(409, "rollback-target-rolled-back", "Rolled back itself", toVersion
                        + " was itself rolled back: an emergency rollback must not move " + tier + " to it. Choose a"
                        + " version that was not rolled back" + ran.map(v -> " (" + tier + " ran " + v + ")").orElse("")
                        + ", or publish a fixed release.");
            }
        }
        var ranAt = ran.filter(v -> !v.equals(toVersion)).flatMap(v -> history.releasedAt(tier, v));
        if (ranAt.isPresent() && target.after(ranAt.get())) {
            if (emergency.isPresent()) {
                throw new ProblemException(409, "rollback-target-above", "Above the version in force", tier
                        + " is rolled back to " + emergency.get() + "; " + toVersion + " was released after it, so a"
                        + " rollback to it would move every node up at emergency priority, with no canary. Choose a version"
                        + " released before " + emergency.get() + ", or publish a new release.");
            }
            if (history.nodesRunning(tier, toVersion) == 0) {
                throw new ProblemException(409, "rollback-target-above", "Above what the tier runs", tier + " ran "
                        + ran.get() + " when " + current.rollout().targetVersion() + " started, and none of its nodes"
                        + " runs " + toVersion + " (released after " + ran.get() + "): a rollback to it would move"
                        + " every node up at emergency priority, with no canary. Roll back to " + ran.get()
                        + " or earlier, or publish a new release.");
            }
        }
    }
}
