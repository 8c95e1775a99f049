package network.noderr.controlplane.rollouts;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortCounts;
import network.noderr.controlplane.rollouts.engine.RolloutEngine;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The read side of {@link Rollouts}: a rollout as people and the API see it (its phase, per-cohort counts and
 * timeline), one at a time or a page at a time, and the cohort counts a finished rollout keeps (as JSON).
 */
@Component
class RolloutViews {

    static final List<RolloutStatus> FINISHED =
            List.of(RolloutStatus.COMPLETED, RolloutStatus.ROLLED_BACK, RolloutStatus.ABORTED);

    private final RolloutRepository repository;
    private final CohortCountsQuery counts;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final JsonMapper json;

    RolloutViews(RolloutRepository repository, CohortCountsQuery counts, JdbcClient jdbc, Clock clock,
            JsonMapper json) {
        this.repository = repository;
        this.counts = counts;
        this.jdbc = jdbc;
        this.clock = clock;
        this.json = json;
    }

    /** The unfinished (pending, active, paused) rollouts, oldest first: at most one per tier. */
    List<RolloutView> open() {
        return views(repository.open());
    }

    /** How many rollouts in one of these statuses there are, optionally in one tier. */
    long count(@Nullable Tier tier, List<RolloutStatus> statuses) {
        return repository.count(tier, statuses);
    }

    /** One page of rollouts newest first, as {@link Rollouts#list}; no statuses means any. */
    RolloutPage page(@Nullable Tier tier, List<RolloutStatus> statuses, @Nullable UUID before, int limit) {
        if (limit < 1 || limit > Rollouts.MAX_PAGE) {
            throw new InvalidRequestException("limit", "must be 1-" + Rollouts.MAX_PAGE);
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

    /** The tier's current (unfinished, else latest) rollout, if any. */
    java.util.Optional<RolloutView> current(Tier tier) {
        return repository.currentForTier(tier).map(this::view);
    }

    RolloutView view(UUID id) {
        return view(repository.find(id).orElseThrow(() -> notFound(id)));
    }

    RolloutView view(StoredRollout s) {
        return view(s, repository.events(s.id()), withdrawals(List.of(s)));
    }

    /** Several rollouts with their timelines read in one query. */
    private List<RolloutView> views(List<StoredRollout> rows) {
        var timelines = repository.events(rows.stream().map(StoredRollout::id).toList());
        var withdrawals = withdrawals(rows);
        return rows.stream().map(s -> view(s, timelines.getOrDefault(s.id(), List.of()), withdrawals)).toList();
    }

    /**
     * The emergency rollback that withdrew a release: the version its tier returned to, and when, by whom and why
     * (as recorded on the release, for good).
     */
    private record Withdrawal(String targetVersion, String reason, String by, java.time.Instant at) {}

    /** The withdrawals of these rollouts' releases, by release id. */
    private Map<UUID, Withdrawal> withdrawals(List<StoredRollout> rows) {
        var result = new java.util.HashMap<UUID, Withdrawal>();
        if (rows.isEmpty()) {
            return result;
        }
        jdbc.sql("""
                        SELECT id, rolled_back_to, rolled_back_reason, rolled_back_by, rolled_back_at FROM releases
                        WHERE id IN (:ids) AND rolled_back_at IS NOT NULL""")
                .param("ids", rows.stream().map(StoredRollout::releaseId).distinct().toList())
                .query((rs, i) -> result.put(rs.getObject(1, UUID.class), new Withdrawal(rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant())))
                .list();
        return result;
    }

    Map<Cohort, CohortCounts> liveCounts(StoredRollout s) {
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
    private RolloutView view(StoredRollout s, List<RolloutEvent> timeline, Map<UUID, Withdrawal> withdrawals) {
        var r = s.rollout();
        @Nullable Map<Cohort, CohortCounts> c = r.status().isFinished() ? fromJson(s.finalCounts()) : liveCounts(s);
        var phase = RolloutEngine.phase(r, c == null ? Map.of() : c, clock.instant());
        // A completed rollout stays completed (a finished rollout changes no more), but when an emergency rollback
        // has since withdrawn its release, its nodes no longer run it: its phase says so, rather than "all nodes run"
        // it, also after the tier moved on to a newer release.
        var withdrawal = withdrawals.get(s.releaseId());
        if (r.status() == RolloutStatus.COMPLETED && withdrawal != null) {
            phase = new RolloutEngine.PhaseView(RolloutEngine.Phase.ROLLED_BACK, "completed, then rolled back to "
                    + withdrawal.targetVersion() + " by " + withdrawal.by() + ": " + withdrawal.reason());
        }
        // A rolled-back rollout whose tier a later emergency rollback took further back (to an even earlier release)
        // names that one too: its reason is the rollback that ended it, the tier has moved on since.
        if (r.status() == RolloutStatus.ROLLED_BACK && s.completedAt() != null) {
            var completed = s.completedAt();
            var later = timeline.stream()
                    .filter(e -> e.at().isAfter(completed)
                            && e.event().startsWith(EmergencyRollbacks.EMERGENCY_ROLLBACK_EVENT))
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

    /** The counts a rollout keeps when it finishes ({@link StoredRollout#finalCounts}), read back by its view. */
    String toJson(Map<Cohort, CohortCounts> c) {
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

    static ProblemException notFound(UUID id) {
        return new ProblemException(404, "rollout-not-found", "Rollout not found", "There is no rollout " + id + ".");
    }
}
