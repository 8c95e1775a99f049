package network.noderr.controlplane.rollouts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * A rollout as the management API and dashboard show it; phase is derived, never stored.
 *
 * @param cohorts per-cohort progress: live while the rollout runs, as recorded when it finished once it has; empty
 *     (and {@code countsRecorded} false) for a rollout that finished before counts were recorded
 * @param minSample how many nodes must back a breached limit for an automatic rollback; fewer pause the rollout
 * @param minOperators how many distinct operators (applications) those nodes must belong to for an automatic
 *     rollback; fewer pause the rollout
 * @param countsRecorded false only for such a rollout: its totals are then 0, not its result
 * @param nextCohortDueAt when the clock makes the next cohort due (it then also waits for the previous cohort's health
 *     gate; a time already past means it waits for the gate only); null while the clock stands (paused, finished) or
 *     once every cohort is active
 */
public record RolloutView(
        @NonNull UUID id,
        @NonNull Tier tier,
        @NonNull String versionString,
        @NonNull String imageRef,
        @NonNull String status,
        @NonNull String phase,
        @NonNull String phaseMessage,
        @Nullable String reason,
        int canaryPercentage,
        int cohortPercentage,
        int cohortDelayHours,
        double maxUnhealthyRatio,
        double maxErrorRate,
        double gateMinUpdatedRatio,
        int minSample,
        int minOperators,
        @NonNull List<@NonNull CohortProgress> cohorts,
        long totalNodes,
        long updatedNodes,
        boolean countsRecorded,
        @Nullable Instant startedAt,
        @Nullable Instant completedAt,
        @NonNull Instant createdAt,
        @NonNull List<@NonNull RolloutEvent> timeline,
        @Nullable Instant nextCohortDueAt) {}
