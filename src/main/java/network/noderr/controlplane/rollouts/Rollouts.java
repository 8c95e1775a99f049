package network.noderr.controlplane.rollouts;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.Approvals;
import network.noderr.controlplane.rollouts.RolloutTransitioned.Cause;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortCounts;
import network.noderr.controlplane.rollouts.engine.IllegalTransitionException;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Creates and drives rollouts. Every state change is one compare-and-set on the rollout's revision, recorded in its
 * timeline with who did it and published as {@link RolloutTransitioned} (the audit log's source for changes nobody
 * asked for through the API); illegal changes are refused with 409 and a message that says what to do.
 */
@Service
public class Rollouts {

    private static final Logger log = LoggerFactory.getLogger(Rollouts.class);

    private final RolloutRepository repository;
    private final CohortCountsQuery counts;
    private final JdbcClient jdbc;
    private final BeaconPort beacon;
    private final TierTargets targets;
    private final RolloutMetrics metrics;
    private final Clock clock;
    private final TransactionTemplate transactions;
    private final ApplicationEventPublisher events;
    private final Approvals approvals;
    private final RolloutDefaults defaults;
    private final TierCohorts cohorts;
    private final RolloutSettings settings;
    private final JsonMapper json;

    Rollouts(RolloutRepository repository, CohortCountsQuery counts, JdbcClient jdbc, BeaconPort beacon,
            TierTargets targets, RolloutMetrics metrics, Clock clock, PlatformTransactionManager transactionManager,
            ApplicationEventPublisher events, Approvals approvals, RolloutDefaults defaults, TierCohorts cohorts,
            RolloutSettings settings, JsonMapper json) {
        this.settings = settings;
        this.json = json;
        this.defaults = defaults;
        this.cohorts = cohorts;
        this.events = events;
        this.approvals = approvals;
        this.transactions = new TransactionTemplate(transactionManager);
        this.repository = repository;
        this.counts = counts;
        this.jdbc = jdbc;
        this.beacon = beacon;
        this.targets = targets;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Records a release and starts its rollout (the canary is active at once). The tier's stored cohorts are
     * re-assigned by the rollout's config once this commits ({@link TierCohorts}). A new release ends any emergency
     * rollback in force for the tier. The start counts as requested by {@code actor} (not audited again); the chain
     * indexer starts rollouts through {@link #startPublished}.
     */
    @Transactional
    public RolloutView start(NewRelease release, RolloutConfig config, RolloutThresholds thresholds, String actor) {
        return start(release, config, thresholds, actor, Cause.REQUEST);
    }

    private RolloutView start(NewRelease release, RolloutConfig config, RolloutThresholds thresholds, String actor,
            Cause cause) {
        lockTier(release.tier());
        var now = clock.instant();
        UUID releaseId;
        try {
            releaseId = jdbc.sql("""
                            INSERT INTO releases (tier, version_id, version_string, image_ref, image_digest,
                                config_hash, created_by, created_at)
                            VALUES (:tier, :vid, :version, :image, :digest, :config, :by, :now) RETURNING id""")
                    .param("tier", release.tier().name())
                    .param("vid", release.versionId())
                    .param("version", release.versionString())
                    .param("image", release.imageRef())
                    .param("digest", release.imageDigest())
                    .param("config", release.configHash())
                    .param("by", actor)
                    .param("now", Timestamp.from(now))
                    .query(UUID.class)
                    .single();
        } catch (DuplicateKeyException e) {
            throw new ProblemException(409, "release-exists", "Version already released",
                    release.tier() + " already has version " + release.versionString() + "; publish a new version.");
        }
        var started = RolloutEngine.start(Rollout.pending(release.versionString(), config, thresholds), now);
        var from = versionTheTierRuns(release.tier()); // before this rollout exists and ends an emergency
        UUID id;
        try {
            id = repository.insert(releaseId, release.tier(), release.imageRef(), release.versionId(),
                    Rollout.pending(release.versionString(), config, thresholds));
        } catch (DuplicateKeyException e) {
            throw new ProblemException(409, "rollout-in-progress", "A rollout is in progress",
                    "Tier " + release.tier() + " has an unfinished rollout. Let it complete, or abort it first.");
        }
        jdbc.sql("UPDATE deployments SET from_version = :v, from_recorded = true WHERE id = :id")
                .param("v", from.orElse(null))
                .param("id", id)
                .update();
        repository.update(id, 0, started, now);
        record(id, release.tier(), started, "started " + release.versionString() + ": canary active", actor, cause,
                now);
        jdbc.sql("DELETE FROM tier_emergencies WHERE tier = :tier").param("tier", release.tier().name()).update();
        changed(release.tier(), TierChanged.Kind.CHECK_NOW, release.versionString());
        cohorts.reassignAfterCommit(release.tier());
        log.info("Rollout {} of {} {} started by {} ({} % canary, {} % per cohort)", id, release.tier(),
                release.versionString(), actor, config.canaryPercentage(), config.cohortPercentage());
        return view(id);
    }

    @Transactional
    public RolloutView pause(UUID id, String actor, @Nullable String reason) {
        var text = reason == null || reason.isBlank() ? "paused by " + actor : reason.strip();
        return change(id, actor, "paused: " + text, Cause.REQUEST, (r, now) -> RolloutEngine.pause(r, now, text));
    }

    /**
     * Restarts the clock. For {@code noderr.rollouts.gate-grace} a closed cohort gate then holds the next cohort
     * back without pausing again, so the previous cohort's stragglers (no node updates while paused) can update.
     */
    @Transactional
    public RolloutView resume(UUID id, String actor) {
        var grace = settings.gateGrace();
        var text = grace.isZero() ? "resumed"
                : "resumed: for " + minutes(grace) + " a closed cohort gate holds the next cohort without pausing again";
        return change(id, actor, text, Cause.REQUEST, (r, now) -> RolloutEngine.resume(r, now, grace));
    }

    private static String minutes(java.time.Duration d) {
        long m = Math.max(1, (d.toSeconds() + 59) / 60);
        return m + (m == 1 ? " minute" : " minutes");
    }

    @Transactional
    public RolloutView promote(UUID id, String actor) {
        return promote(id, actor, null);
    }

    /**
     * Activates the next cohort now. With {@code expectedCohort} (what the admin confirmed, e.g. "cohort2") only if
     * that is still the next one: the clock may have activated it meanwhile, and a promote must not then skip the
     * gate of the cohort after it.
     */
    @Transactional
    public RolloutView promote(UUID id, String actor, @Nullable String expectedCohort) {
        return change(id, actor, "promoted: next cohort activated now", Cause.REQUEST, (r, now) -> {
            if (expectedCohort != null) {
                var next = r.activatedThrough() + 1;
                var nextName = next < Cohort.values().length ? Cohort.ofIndex(next).wireName() : "none";
                if (!nextName.equals(expectedCohort)) {
                    throw new ProblemException(409, "cohort-changed", "Changed meanwhile", "You confirmed "
                            + expectedCohort + ", but the next cohort is now " + nextName
                            + " (the schedule or someone else moved on). Nothing changed; look again.");
                }
            }
            return RolloutEngine.promote(r, now);
        });
    }

    /**
     * Sets an unfinished rollout's limits for automatic rollback and the cohort gate; they apply from the
     * reconciler's next run. Nodes are not asked to check again (nothing changes for them).
     *
     * @param minSample the new minimum sample, or null to keep the rollout's own (that of {@code ratios} is ignored)
     * @param minOperators the new minimum of operators, or null to keep the rollout's own (that of {@code ratios} is
     *     ignored)
     */
    @Transactional
    public RolloutView setThresholds(UUID id, RolloutThresholds ratios, @Nullable Integer minSample,
            @Nullable Integer minOperators, String actor) {
        var stored = repository.find(id).orElseThrow(() -> notFound(id));
        lockTier(stored.tier());
        var now = clock.instant();
        var own = stored.rollout().thresholds();
        var thresholds = ratios.withMinSample(minSample == null ? own.minSample() : minSample)
                .withMinOperators(minOperators == null ? own.minOperators() : minOperators);
        Rollout next;
        try {
            next = stored.rollout().withThresholds(thresholds);
        } catch (IllegalTransitionException e) {
            throw new ProblemException(409, "illegal-transition", "Not possible in this state", e.getMessage());
        }
        if (!repository.update(id, stored.revision(), next, now)) {
            throw new ProblemException(409, "concurrent-change", "Changed meanwhile",
                    "Someone else changed this rollout a moment ago. Reload it and try again.");
        }
        record(id, stored.tier(), next, String.format(java.util.Locale.ROOT,
                "limits: roll back above %s unhealthy or %s failed updates in a cohort when at least %d %s of at least"
                        + " %d %s back it (fewer pause it); next cohort at %s updated",
                percent(thresholds.maxUnhealthyRatio()), percent(thresholds.maxErrorRate()), thresholds.minSample(),
                thresholds.minSample() == 1 ? "node" : "nodes", thresholds.minOperators(),
                thresholds.minOperators() == 1 ? "operator" : "operators",
                percent(thresholds.gateMinUpdatedRatio())), actor,
                Cause.REQUEST, now);
        return view(id);
    }

    private static String percent(double ratio) {
        return new java.math.BigDecimal(ratio * 100).setScale(1, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString() + " %";
    }

    @Transactional
    public RolloutView abort(UUID id, String actor, @Nullable String reason) {
        var text = reason == null || reason.isBlank() ? "aborted by " + actor : reason.strip();
        return change(id, actor, "aborted: " + text, Cause.REQUEST, (r, now) -> RolloutEngine.abort(r, now, text));
    }

    /**
     * Records a version published on-chain (by this control plane or anyone holding the publisher role) and starts
     * its rollout with the tier's on-chain rollout config. Idempotent: a version already recorded only gets its
     * on-chain coordinates. A rollout still open for the tier is superseded: the chain has moved on.
     *
     * @param cause {@link Cause#REQUEST} when this control plane sent the publish (its request is audited),
     *     {@link Cause#CHAIN} when someone else did
     * @return the new rollout, or empty when the version was already recorded
     */
    @Transactional
    public java.util.Optional<RolloutView> startPublished(NewRelease release, RolloutConfig config, String actor,
            String txHash, long blockNumber, Cause cause) {
        lockTier(release.tier());
        var updated = jdbc.sql("""
                        UPDATE releases SET version_id = :vid, tx_hash = :tx, block_number = :block
                        WHERE tier = :tier AND version_string = :v""")
                .param("vid", release.versionId())
                .param("tx", txHash)
                .param("block", blockNumber)
                .param("tier", release.tier().name())
                .param("v", release.versionString())
                .update();
        if (updated > 0) {
            return java.util.Optional.empty();
        }
        repository.currentForTier(release.tier())
                .filter(open -> !open.rollout().status().isFinished())
                .ifPresent(open -> change(open.id(), actor, "aborted: superseded by " + release.versionString()
                                + " published on-chain", cause,
                        (r, now) -> RolloutEngine.abort(r, now, "superseded by " + release.versionString())));
        var view = start(release, config, defaults.thresholds(), actor, cause);
        jdbc.sql("UPDATE releases SET tx_hash = :tx, block_number = :block WHERE tier = :tier AND version_string = :v")
                .param("tx", txHash)
                .param("block", blockNumber)
                .param("tier", release.tier().name())
                .param("v", release.versionString())
                .update();
        return java.util.Optional.of(view);
    }

    /**
     * A person's emergency rollback: done at once, or, when the tier's two-person rule is on, held as a pending
     * approval (checked now, run when a second person approves).
     */
    public RollbackOutcome requestEmergencyRollback(Tier tier, String toVersion, String reason, String actor) {
        if (approvals.required(tier)) {
            return new RollbackOutcome(null, approvals.request(ApprovalRequest.emergencyRollback(tier, toVersion,
                    reason.strip(), versionInForce(tier).orElse(null)), actor));
        }
        return new RollbackOutcome(emergencyRollback(tier, toVersion, reason, actor), null);
    }

    /**
     * Rolls a tier back to an earlier released version: on-chain first (the beacon, which waits for the
     * transaction), then in the engine: the tier's open rollout becomes rolled_back and every node not on that
     * version is told to update at emergency priority. When the chain refuses or cannot be reached nothing changes.
     */
    public RolloutView emergencyRollback(Tier tier, String toVersion, String reason, String actor) {
        checkRollback(tier, toVersion, reason);
        beacon.emergencyRollback(tier, toVersion, reason.strip(), actor);
        return java.util.Objects.requireNonNull(transactions.execute(
                status -> applyRollback(tier, toVersion, reason.strip(), actor, Cause.REQUEST)));
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
        var target = releasedAt(tier, toVersion).orElseThrow(() -> new InvalidRequestException("toVersion",
                "is not a released " + tier + " version"));
        var currentCreated = jdbc.sql("SELECT created_at FROM releases WHERE id = :id")
                .param("id", current.releaseId())
                .query(Timestamp.class)
                .single();
        if (!target.before(currentCreated)) {
            throw new InvalidRequestException("toVersion", "must be a version released before "
                    + current.rollout().targetVersion());
        }
        var emergency = emergencyTarget(tier);
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
                : previousVersion(current);
        if (!ran.filter(toVersion::equals).isPresent()) {
            var rolledBack = jdbc.sql("""
                            SELECT count(*) FROM deployments
                            WHERE tier = :tier AND version_string = :v AND status = 'rolled_back'""")
                    .param("tier", tier.name())
                    .param("v", toVersion)
                    .query(Long.class)
                    .single() > 0;
            if (rolledBack) {
                throw new ProblemException(409, "rollback-target-rolled-back", "Rolled back itself", toVersion
                        + " was itself rolled back: an emergency rollback must not move " + tier + " to it. Choose a"
                        + " version that was not rolled back" + ran.map(v -> " (" + tier + " ran " + v + ")").orElse("")
                        + ", or publish a fixed release.");
            }
        }
        var ranAt = ran.filter(v -> !v.equals(toVersion)).flatMap(v -> releasedAt(tier, v));
        if (ranAt.isPresent() && target.after(ranAt.get())) {
            if (emergency.isPresent()) {
                throw new ProblemException(409, "rollback-target-above", "Above the version in force", tier
                        + " is rolled back to " + emergency.get() + "; " + toVersion + " was released after it, so a"
                        + " rollback to it would move every node up at emergency priority, with no canary. Choose a version"
                        + " released before " + emergency.get() + ", or publish a new release.");
            }
            if (nodesRunning(tier, toVersion) == 0) {
                throw new ProblemException(409, "rollback-target-above", "Above what the tier runs", tier + " ran "
                        + ran.get() + " when " + current.rollout().targetVersion() + " started, and none of its nodes"
                        + " runs " + toVersion + " (released after " + ran.get() + "): a rollback to it would move"
                        + " every node up at emergency priority, with no canary. Roll back to " + ran.get()
                        + " or earlier, or publish a new release.");
            }
        }
    }

    private java.util.Optional<Timestamp> releasedAt(Tier tier, String version) {
        return jdbc.sql("SELECT created_at FROM releases WHERE tier = :tier AND version_string = :v")
                .param("tier", tier.name())
                .param("v", version)
                .query(Timestamp.class)
                .optional();
    }

    private java.util.Optional<String> emergencyTarget(Tier tier) {
        return jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :tier")
                .param("tier", tier.name())
                .query(String.class)
                .optional();
    }

    /** The tier's active nodes that run {@code version} now. */
    private long nodesRunning(Tier tier, String version) {
        return jdbc.sql("""
                        SELECT count(*) FROM node_versions v JOIN nodes n ON n.node_id = v.node_id
                        WHERE v.tier = :tier AND v.current_version = :v AND n.status = 'ACTIVE'""")
                .param("tier", tier.name())
                .param("v", version)
                .query(Long.class)
                .single();
    }

    /**
     * The version the tier's chain record points at as far as this control plane knows: the target of the emergency
     * rollback in force, else the release of the tier's latest rollout; empty for a tier with no rollout. What an
     * emergency rollback request is filed against.
     */
    public java.util.Optional<String> versionInForce(Tier tier) {
        var emergency = emergencyTarget(tier);
        return emergency.isPresent() ? emergency
                : repository.currentForTier(tier).map(s -> s.rollout().targetVersion());
    }

    /**
     * The engine's half of an emergency rollback, for a rollback that is already on-chain. Idempotent: when the
     * tier is already rolled back to that version nothing changes, so the initiator and the chain indexer can
     * both call it.
     *
     * @param cause {@link Cause#REQUEST} for a rollback a person asked this control plane for, {@link Cause#CHAIN}
     *     for one made on-chain from outside
     */
    @Transactional
    public RolloutView applyRollback(Tier tier, String toVersion, String reason, String actor, Cause cause) {
        lockTier(tier);
        var current = repository.currentForTier(tier).orElseThrow(() -> new ProblemException(409,
                "nothing-to-roll-back", "Nothing to roll back", "Tier " + tier + " has no rollout."));
        if (emergencyTarget(tier).filter(toVersion::equals).isPresent()) {
            return view(current.id());
        }
        applyEmergency(tier, toVersion, reason, actor);
        var text = EMERGENCY_ROLLBACK_EVENT + toVersion + " by " + actor + ": " + reason;
        // The chain has rolled back already: the engine's half must not be refused because the rollout changed a
        // moment ago (the reconciler does not take the tier's lock). It is read again and rolled back as it is now.
        for (int attempt = 1; ; attempt++) {
            var rollout = attempt == 1 ? current : repository.find(current.id()).orElseThrow(() -> notFound(current.id()));
            if (!rollout.rollout().status().isFinished()) {
                // Announced as ROLLBACK above (with its target): a CHECK_NOW as well would only make every node ask
                // the version query once more, for the same answer.
                var done = tryChange(rollout.id(), actor, text, cause, (r, now) -> RolloutEngine.rollBack(r, now, text),
                        false);
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
            record(rollout.id(), tier, rollout.rollout().targetVersion(), RolloutStatus.ROLLED_BACK, text, actor,
                    cause, clock.instant());
            return view(rollout.id());
        }
    }

    /** How an emergency rollback's entry in a rollout's timeline (and its reason) begins. */
    static final String EMERGENCY_ROLLBACK_EVENT = "emergency rollback to ";

    /** Runs one reconcile step on every unfinished rollout; returns how many changed. */
    @Transactional
    public int reconcileAll() {
        int changed = 0;
        for (var stored : repository.open()) {
            var now = clock.instant();
            var c = counts.counts(stored.id(), stored.tier(), stored.rollout());
            var step = RolloutEngine.reconcile(stored.rollout(), c, now);
            if (!step.changed()) {
                continue;
            }
            var returnTo = step.rolledBack() || step.needsDecision() ? previousVersion(stored)
                    : java.util.Optional.<String>empty();
            var result = step.rollout();
            var texts = step.events();
            var reasonNow = result.reason();
            if (step.needsDecision() && returnTo.isEmpty() && reasonNow != null
                    && reasonNow.endsWith(": " + RolloutEngine.DECISION)) {
                // The tier ran nothing before: the pause (and its alert) names only what is possible: resume or abort
                // for its first release; a rollback by hand too when an earlier release was published (that its
                // nodes never ran), which a person may choose and the engine does not.
                var published = releasePublishedBefore(stored);
                result = withReason(result, reasonNow.substring(0, reasonNow.length() - RolloutEngine.DECISION.length())
                        + (published.isEmpty() ? onlyResumeOrAbort(stored.tier())
                                : resumeAbortOrRollBackByHand(stored.tier(), result.targetVersion(), published.get())));
                texts = new ArrayList<>(texts);
                texts.set(texts.size() - 1, java.util.Objects.requireNonNull(result.reason()));
            }
            if (step.rolledBack() && returnTo.isEmpty()) {
                // The tier ran nothing before (its first release, or earlier ones its nodes never ran): the tier
                // stays on this one. Its reason (the card, the API, the alert) says so instead of naming no version.
                var published = releasePublishedBefore(stored);
                result = withReason(result, result.reason() + "; " + (published.isEmpty()
                        ? nothingEarlier(stored.tier(), result.targetVersion())
                        : nothingRunBefore(stored.tier(), result.targetVersion(), published.get())));
                texts = new ArrayList<>(texts);
                texts.set(texts.size() - 1, java.util.Objects.requireNonNull(result.reason()));
            }
            var snapshot = result.status().isFinished() ? toJson(c) : null;
            if (!repository.update(stored.id(), stored.revision(), result, now, snapshot)) {
                continue; // another replica or person changed it; the next run sees the new state
            }
            changed++;
            for (int i = 0; i < texts.size(); i++) {
                // A rollback is the step's last event; cohorts it activated before are the reconciler's own.
                var cause = step.rolledBack() && i == texts.size() - 1 ? Cause.AUTOMATIC_ROLLBACK : Cause.RECONCILER;
                // Cohorts activated on the way to a later state (a gate, completion) were activated while active.
                var status = i == texts.size() - 1 ? result.status() : RolloutStatus.ACTIVE;
                record(stored.id(), stored.tier(), stored.rollout().targetVersion(), status, texts.get(i),
                        "reconciler", cause, now);
            }
            if (step.rolledBack()) {
                metrics.rollback(stored.tier(), "automatic");
                var reason = java.util.Objects.requireNonNullElse(result.reason(), "automatic rollback");
                returnTo.ifPresentOrElse(
                        previous -> {
                            applyEmergency(stored.tier(), previous, reason, "reconciler");
                            beacon.queueEmergencyRollback(stored.tier(), previous, reason);
                        },
                        () -> log.warn("Rollout {} rolled back but {} has no earlier release to return to",
                                stored.id(), stored.tier()));
                log.warn("Automatic rollback of {} {}: {}", stored.tier(), stored.rollout().targetVersion(),
                        result.reason());
                events.publishEvent(new AutomaticRollback(stored.tier(), stored.rollout().targetVersion(),
                        returnTo.orElse(null), reason));
            }
            if (step.needsDecision()) {
                log.warn("Rollout {} {} paused for a decision: {}", stored.tier(), stored.rollout().targetVersion(),
                        result.reason());
                events.publishEvent(new RollbackDecisionNeeded(stored.tier(), stored.rollout().targetVersion(),
                        java.util.Objects.requireNonNullElse(result.reason(), "paused")));
            }
            if (!(step.rolledBack() && returnTo.isPresent())) { // a rollback to a version went out as ROLLBACK
                changed(stored.tier(), TierChanged.Kind.CHECK_NOW, stored.rollout().targetVersion());
            }
        }
        return changed;
    }

    /** The unfinished (pending, active, paused) rollouts, oldest first: at most one per tier. */
    public List<RolloutView> open() {
        return views(repository.open());
    }

    /** The most rollouts one page holds. */
    public static final int MAX_PAGE = 200;

    private static final List<RolloutStatus> FINISHED =
            List.of(RolloutStatus.COMPLETED, RolloutStatus.ROLLED_BACK, RolloutStatus.ABORTED);

    /**
     * Rollouts newest first, optionally of one tier and status, older than the rollout {@code before}: one page of
     * at most {@code limit} (1-{@value #MAX_PAGE}). Finished rollouts show the counts recorded when they finished,
     * so a page costs the same whatever the history holds: live counts only for the unfinished ones (at most one
     * per tier).
     */
    public RolloutPage list(@Nullable Tier tier, @Nullable RolloutStatus status, @Nullable UUID before, int limit) {
        return page(tier, status == null ? List.of() : List.of(status), before, limit);
    }

    /** Finished (completed, rolled back, aborted) rollouts, newest first, a page at a time as {@link #list}. */
    public RolloutPage finished(@Nullable Tier tier, @Nullable UUID before, int limit) {
        return page(tier, FINISHED, before, limit);
    }

    /** How many finished rollouts there are, optionally in one tier. */
    public long finishedCount(@Nullable Tier tier) {
        return repository.count(tier, FINISHED);
    }

    private RolloutPage page(@Nullable Tier tier, List<RolloutStatus> statuses, @Nullable UUID before, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("limit", "must be 1-" + MAX_PAGE);
        }
        if (before != null && !repository.exists(before)) {
            throw new InvalidRequestException("before", "is not a rollout id");
        }
        // One more than asked tells whether there is a next page.
        var rows = repository.list(tier, statuses, before, limit + 1);
        var more = rows.size() > limit;
        var shown = more ? rows.subList(0, limit) : rows;
        return new RolloutPage(views(shown), more ? shown.getLast().id() : null);
    }

    public RolloutView get(UUID id) {
        return view(id);
    }

    /** The version string of a tier's release with this on-chain version id. */
    public String versionOf(Tier tier, long versionId) {
        return jdbc.sql("SELECT version_string FROM releases WHERE tier = :tier AND version_id = :vid")
                .param("tier", tier.name())
                .param("vid", versionId)
                .query(String.class)
                .optional()
                .orElseThrow(() -> new InvalidRequestException("toVersionId",
                        "is not the on-chain id of a released " + tier + " version"));
    }

    /**
     * The tier's latest release when it was rolled back and no rollback is in force: it was the tier's first release,
     * with nothing earlier to return to, so the tier stays on it (as the rollout status API says). Empty otherwise.
     */
    public java.util.Optional<RolledBackRelease> stayingOnRolledBack(Tier tier) {
        return repository.currentForTier(tier)
                .filter(s -> s.rollout().status() == RolloutStatus.ROLLED_BACK)
                .filter(s -> jdbc.sql("SELECT count(*) FROM tier_emergencies WHERE tier = :tier")
                        .param("tier", tier.name()).query(Long.class).single() == 0)
                .map(s -> new RolledBackRelease(s.id(), s.rollout().targetVersion(),
                        java.util.Objects.requireNonNullElse(s.rollout().reason(), "rolled back")));
    }

    /**
     * The versions rolled back, per tier: during their rollout (automatically or by an emergency rollback), or after
     * it completed, by an emergency rollback in force to an earlier version.
     */
    public java.util.Map<Tier, java.util.Set<String>> rolledBackVersions() {
        var result = new java.util.EnumMap<Tier, java.util.Set<String>>(Tier.class);
        // Rolled back during their rollout, or after it: releases of a tier newer than the version an emergency
        // rollback in force returned it to, published before that rollback.
        jdbc.sql("""
                        SELECT tier, version_string FROM deployments WHERE status = 'rolled_back'
                        UNION
                        SELECT r.tier, r.version_string FROM tier_emergencies e
                        JOIN releases t ON t.tier = e.tier AND t.version_string = e.target_version
                        JOIN releases r ON r.tier = e.tier AND r.created_at > t.created_at
                            AND r.created_at <= e.created_at""")
                .query((rs, i) -> result.computeIfAbsent(Tier.valueOf(rs.getString(1)),
                        t -> new java.util.HashSet<>()).add(rs.getString(2)))
                .list();
        return result;
    }

    /** The tier's current (unfinished, else latest) rollout, if any. */
    public java.util.Optional<RolloutView> current(Tier tier) {
        return repository.currentForTier(tier).map(this::view);
    }

    private RolloutView change(UUID id, String actor, String event, Cause cause,
            BiFunction<Rollout, java.time.Instant, Rollout> fn) {
        return change(id, actor, event, cause, fn, true);
    }

    /**
     * Takes the tier's lock first (as the emergency rollback, the publish and the indexer do), so a pause, resume,
     * promote or abort waits for an emergency rollback in progress instead of racing it.
     *
     * @param announce false when the caller announced the change to the tier's nodes itself
     */
    private RolloutView change(UUID id, String actor, String event, Cause cause,
            BiFunction<Rollout, java.time.Instant, Rollout> fn, boolean announce) {
        lockTier(repository.find(id).orElseThrow(() -> notFound(id)).tier());
        return tryChange(id, actor, event, cause, fn, announce).orElseThrow(() -> new ProblemException(409,
                "concurrent-change", "Changed meanwhile",
                "Someone else changed this rollout a moment ago. Reload it and try again."));
    }

    /** One compare-and-set on the rollout's revision; empty when it changed meanwhile (nothing was written). */
    private java.util.Optional<RolloutView> tryChange(UUID id, String actor, String event, Cause cause,
            BiFunction<Rollout, java.time.Instant, Rollout> fn, boolean announce) {
        var stored = repository.find(id).orElseThrow(() -> notFound(id));
        var now = clock.instant();
        Rollout next;
        try {
            next = fn.apply(stored.rollout(), now);
        } catch (IllegalTransitionException e) {
            throw new ProblemException(409, "illegal-transition", "Not possible in this state", e.getMessage());
        }
        var snapshot = next.status().isFinished() && !stored.rollout().status().isFinished()
                ? toJson(liveCounts(stored))
                : null;
        if (!repository.update(id, stored.revision(), next, now, snapshot)) {
            return java.util.Optional.empty();
        }
        record(id, stored.tier(), next, event, actor, cause, now);
        if (next.status() == RolloutStatus.ABORTED && stored.rollout().status() != RolloutStatus.ABORTED) {
            stayOnWhatTheyRun(stored.tier(), next.targetVersion());
        }
        if (next.status() == RolloutStatus.ROLLED_BACK) {
            metrics.rollback(stored.tier(), "manual");
        }
        if (announce) {
            changed(stored.tier(), TierChanged.Kind.CHECK_NOW, next.targetVersion());
        }
        return java.util.Optional.of(view(id));
    }

    /**
     * An aborted rollout moves no node any more (the version query tells each one to stay): the registry's targets
     * say so at once, not only after each node's next poll.
     */
    private void stayOnWhatTheyRun(Tier tier, String abortedVersion) {
        jdbc.sql("""
                        UPDATE node_versions SET target_version = current_version, updated_at = now()
                        WHERE tier = :tier AND target_version = :v AND current_version IS DISTINCT FROM :v""")
                .param("tier", tier.name())
                .param("v", abortedVersion)
                .update();
    }

    /**
     * Every entry in a rollout's timeline goes through here: stored, and published as {@link RolloutTransitioned}
     * (the audit log records the ones no request or automatic-rollback entry covers).
     */
    private void record(UUID id, Tier tier, Rollout after, String event, String actor, Cause cause,
            java.time.Instant now) {
        record(id, tier, after.targetVersion(), after.status(), event, actor, cause, now);
    }

    private void record(UUID id, Tier tier, String version, RolloutStatus status, String event, String actor,
            Cause cause, java.time.Instant now) {
        repository.event(id, event, actor, now);
        events.publishEvent(new RolloutTransitioned(id, tier, version, status.wireName(), event, actor, cause));
    }

    /** Serialises rollout changes per tier within the transaction (initiator, indexer, reconciler). */
    private void lockTier(Tier tier) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('noderr.rollouts.' || :tier))")
                .param("tier", tier.name())
                .query((rs, i) -> 1)
                .list();
    }

    private void applyEmergency(Tier tier, String version, String text, String actor) {
        jdbc.sql("""
                        INSERT INTO tier_emergencies (tier, target_version, reason, created_by, created_at)
                        VALUES (:tier, :v, :reason, :by, :now)
                        ON CONFLICT (tier) DO UPDATE SET target_version = EXCLUDED.target_version,
                            reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at""")
                .param("tier", tier.name())
                .param("v", version)
                .param("reason", text.length() > 1000 ? text.substring(0, 1000) : text)
                .param("by", actor)
                .param("now", Timestamp.from(clock.instant()))
                .update();
        changed(tier, TierChanged.Kind.ROLLBACK, version);
    }

    /**
     * What a tier should run changed: once the change commits, the cached answer is dropped ({@link TierTargets}) and
     * the tier's nodes are told (push).
     */
    private void changed(Tier tier, TierChanged.Kind kind, String version) {
        var change = jdbc.sql("""
                        SELECT version_id, image_ref, image_digest FROM releases
                        WHERE tier = :tier AND version_string = :v""")
                .param("tier", tier.name())
                .param("v", version)
                .query((rs, i) -> {
                    long id = rs.getLong(1);
                    return new TierChanged(tier, kind, version, rs.wasNull() ? null : id, rs.getString(2),
                            rs.getString(3));
                })
                .optional()
                .orElseGet(() -> new TierChanged(tier, kind, version, null));
        events.publishEvent(change);
    }

    /** The choices after a pause for a decision when the tier has no earlier release to roll back to. */
    static String onlyResumeOrAbort(Tier tier) {
        return "resume or abort (no rollback: " + tier + " has no earlier release to return to)";
    }

    /** The choices after a pause for a decision when the tier's nodes ran no release before, one was published. */
    static String resumeAbortOrRollBackByHand(Tier tier, String version, String published) {
        return "resume, abort, or roll back by hand to " + published + " (" + tier + " ran no release before "
                + version + ": " + published + ", published before it, never ran on its nodes)";
    }

    /**
     * What a rolled-back rollout of a tier's first release says: the beacon rolls back only to an earlier release,
     * so the tier stays on this one until a fix is published.
     */
    static String nothingEarlier(Tier tier, String version) {
        return tier + " has no earlier release to return to: it stays on " + version
                + " (nodes that updated keep running it) until you publish a fixed release";
    }

    /**
     * What a rolled-back rollout says when the tier's nodes ran no release before it although one was published
     * (e.g. the tier's first release, aborted before any node ran it): nothing to return to automatically.
     */
    static String nothingRunBefore(Tier tier, String version, String published) {
        return tier + " ran no release before " + version + " to return to (" + published + ", published before it,"
                + " never ran on its nodes): it stays on " + version + " (nodes that updated keep running it) until you"
                + " publish a fixed release or roll back by hand";
    }

    private static Rollout withReason(Rollout r, String reason) {
        return new Rollout(r.status(), r.targetVersion(), r.config(), r.thresholds(), r.startedAt(),
                r.elapsedBeforeResume(), r.resumedAt(), r.activatedThrough(), reason, r.gateHoldUntil());
    }

    /**
     * The version the tier ran when this rollout started (none for the tier's first release): what its nodes that did
     * not update run, and what an automatic rollback of it returns to.
     */
    public java.util.Optional<String> releaseBefore(UUID rolloutId) {
        return previousVersion(repository.find(rolloutId).orElseThrow(() -> notFound(rolloutId)));
    }

    private java.util.Optional<String> previousVersion(StoredRollout stored) {
        return from(stored.id()).orElseGet(() -> releasePublishedBefore(stored));
    }

    /**
     * What the tier runs now, for a rollout about to start: the target of an emergency rollback in force; else the
     * version of the tier's last rollout if it completed; else (aborted or rolled back: no node is moved to it any
     * more) what that rollout started from. Never a release that was aborted or rolled back, which the release
     * published last before may well be.
     */
    private java.util.Optional<String> versionTheTierRuns(Tier tier) {
        var emergency = jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :tier")
                .param("tier", tier.name())
                .query(String.class)
                .optional();
        if (emergency.isPresent()) {
            return emergency;
        }
        record Last(UUID id, String status, String version) {}
        var last = jdbc.sql("""
                        SELECT id, status, version_string FROM deployments WHERE tier = :tier
                        ORDER BY created_at DESC, id DESC LIMIT 1""")
                .param("tier", tier.name())
                .query((rs, i) -> new Last(rs.getObject("id", UUID.class), rs.getString("status"),
                        rs.getString("version_string")))
                .optional();
        if (last.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (last.get().status().equals("completed")) {
            return java.util.Optional.of(last.get().version());
        }
        var before = from(last.get().id()).orElseGet(() -> releaseBefore(last.get().id()));
        if (before.isEmpty() && last.get().status().equals("aborted")
                && nodesRunning(tier, last.get().version()) > 0) {
            // The tier's first release, aborted after nodes updated to it: they run it, and there is nothing earlier.
            return java.util.Optional.of(last.get().version());
        }
        return before;
    }

    /** The rollout's recorded start version (empty inside: the tier's first release); empty when not recorded. */
    private java.util.Optional<java.util.Optional<String>> from(UUID rolloutId) {
        return jdbc.sql("SELECT from_recorded, from_version FROM deployments WHERE id = :id")
                .param("id", rolloutId)
                .query((rs, i) -> rs.getBoolean("from_recorded")
                        ? java.util.Optional.of(java.util.Optional.ofNullable(rs.getString("from_version")))
                        : java.util.Optional.<java.util.Optional<String>>empty())
                .optional()
                .flatMap(recorded -> recorded);
    }

    /** For rollouts from before the start version was recorded: the tier's release published before this one's. */
    private java.util.Optional<String> releasePublishedBefore(StoredRollout stored) {
        return jdbc.sql("""
                        SELECT version_string FROM releases
                        WHERE tier = :tier AND created_at < (SELECT created_at FROM releases WHERE id = :id)
                        ORDER BY created_at DESC LIMIT 1""")
                .param("tier", stored.tier().name())
                .param("id", stored.releaseId())
                .query(String.class)
                .optional();
    }

    private RolloutView view(UUID id) {
        return view(repository.find(id).orElseThrow(() -> notFound(id)));
    }

    private RolloutView view(StoredRollout s) {
        return view(s, repository.events(s.id()), emergencies());
    }

    /** Several rollouts with their timelines read in one query. */
    private List<RolloutView> views(List<StoredRollout> rows) {
        var timelines = repository.events(rows.stream().map(StoredRollout::id).toList());
        var emergencies = emergencies();
        return rows.stream().map(s -> view(s, timelines.getOrDefault(s.id(), List.of()), emergencies)).toList();
    }

    /** An emergency rollback in force: the version its tier returned to, and when, by whom and why (as recorded). */
    private record Emergency(String targetVersion, String reason, String by, java.time.Instant at) {}

    private Map<Tier, Emergency> emergencies() {
        var result = new java.util.EnumMap<Tier, Emergency>(Tier.class);
        jdbc.sql("SELECT tier, target_version, reason, created_by, created_at FROM tier_emergencies")
                .query((rs, i) -> result.put(Tier.valueOf(rs.getString(1)), new Emergency(rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant())))
                .list();
        return result;
    }

    private Map<Cohort, CohortCounts> liveCounts(StoredRollout s) {
        var r = s.rollout();
        return counts.counts(s.id(), s.tier(), r);
    }

    /** A rollout's update attempts and failures: the nodes it told to update, each its latest report. */
    CohortCountsQuery.Attempts attempts(UUID id) {
        var s = repository.find(id).orElseThrow(() -> notFound(id));
        return counts.attempts(s.id(), s.tier(), s.rollout());
    }

    /**
     * A finished rollout shows the counts recorded when it finished (the registry has moved on since); one that
     * finished before they were recorded shows none ({@code countsRecorded} false) rather than today's.
     */
    private RolloutView view(StoredRollout s, List<RolloutEvent> timeline, Map<Tier, Emergency> emergencies) {
        var r = s.rollout();
        @Nullable Map<Cohort, CohortCounts> c = r.status().isFinished() ? fromJson(s.finalCounts()) : liveCounts(s);
        var phase = RolloutEngine.phase(r, c == null ? Map.of() : c, clock.instant());
        // A completed rollout stays completed (a finished rollout changes no more), but when an emergency rollback
        // has since returned its tier to an earlier version, its nodes no longer run it: its phase says so, rather
        // than "all nodes run" it.
        var emergency = emergencies.get(s.tier());
        if (r.status() == RolloutStatus.COMPLETED && emergency != null && s.completedAt() != null
                && emergency.at().isAfter(s.completedAt()) && !emergency.targetVersion().equals(r.targetVersion())) {
            phase = new RolloutEngine.PhaseView(RolloutEngine.Phase.ROLLED_BACK, "completed, then rolled back to "
                    + emergency.targetVersion() + " by " + emergency.by() + ": " + emergency.reason());
        }
        // A rolled-back rollout whose tier a later emergency rollback took further back (to an even earlier release)
        // names that one too: its reason is the rollback that ended it, the tier has moved on since.
        if (r.status() == RolloutStatus.ROLLED_BACK && s.completedAt() != null) {
            var completed = s.completedAt();
            var later = timeline.stream()
                    .filter(e -> e.at().isAfter(completed) && e.event().startsWith(EMERGENCY_ROLLBACK_EVENT))
                    .reduce((first, second) -> second);
            if (later.isPresent()) {
                phase = new RolloutEngine.PhaseView(RolloutEngine.Phase.ROLLED_BACK,
                        phase.message() + "; then " + later.get().event());
            }
        }
        var progress = new ArrayList<CohortProgress>();
        if (c != null) {
            for (var cohort : Cohort.values()) {
                var k = c.getOrDefault(cohort, CohortCounts.EMPTY);
                progress.add(new CohortProgress(cohort.wireName(), r.isCohortActive(cohort), k.nodes(), k.updated(),
                        k.healthy(), k.unhealthy(), k.updateFailures()));
            }
        }
        var total = c == null ? CohortCounts.EMPTY : RolloutEngine.total(c);
        return new RolloutView(s.id(), s.tier(), r.targetVersion(), s.imageRef(), r.status().wireName(),
                phase.phase().wireName(), phase.message(), r.reason(), r.config().canaryPercentage(),
                r.config().cohortPercentage(), r.config().cohortDelayHours(), r.thresholds().maxUnhealthyRatio(),
                r.thresholds().maxErrorRate(), r.thresholds().gateMinUpdatedRatio(), r.thresholds().minSample(),
                r.thresholds().minOperators(), progress, total.nodes(), total.updated(),
                c != null, r.startedAt(), s.completedAt(), s.createdAt(), timeline,
                RolloutEngine.nextCohortDue(r, clock.instant()));
    }

    private String toJson(Map<Cohort, CohortCounts> c) {
        var byName = new java.util.LinkedHashMap<String, CohortCounts>();
        c.forEach((cohort, k) -> byName.put(cohort.wireName(), k));
        return json.writeValueAsString(byName);
    }

    private @Nullable Map<Cohort, CohortCounts> fromJson(@Nullable String text) {
        if (text == null) {
            return null;
        }
        // Counts recorded before operators were counted lack unhealthyOperators and failureOperators: they read as 0.
        Map<String, CohortCounts> byName = json.readerFor(new TypeReference<Map<String, CohortCounts>>() {})
                .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .readValue(text);
        var result = new java.util.EnumMap<Cohort, CohortCounts>(Cohort.class);
        byName.forEach((name, k) -> result.put(Cohort.fromWireName(name), k));
        return result;
    }

    private static ProblemException notFound(UUID id) {
        return new ProblemException(404, "rollout-not-found", "Rollout not found", "There is no rollout " + id + ".");
    }
}
