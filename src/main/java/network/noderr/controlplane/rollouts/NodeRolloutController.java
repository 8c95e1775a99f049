package network.noderr.controlplane.rollouts;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import network.noderr.controlplane.health.HealthRetentionSettings;
import network.noderr.controlplane.rollouts.NodeVersions.VersionAnswer;
import network.noderr.controlplane.security.NodeCaller;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Texts;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Node API (DESIGN §3): the version query, update reports and the tier's rollout status. */
@RestController
class NodeRolloutController {

    enum UpdateResult { SUCCEEDED, ROLLED_BACK, FAILED }

    /**
     * @param durationMs from the start of the update to its outcome, 0 to {@link #MAX_DURATION_MS}. An update can
     *     wait days for a registry or chain that is down (the node keeps running meanwhile), so the bound only keeps
     *     out nonsense; agents report a longer update as the maximum.
     * @param reason free text, often an error message over several lines: stored with line breaks and tabs, every other
     *     control or bidirectional formatting character replaced by U+FFFD (a Docker error can quote colour codes, and
     *     refusing it would lose the report)
     * @param timestamp when the node sent the report, by its own clock (optional; the agent sends it). The registry
     *     compares it with the node's health-report timestamps, so that a health report sent before the update but
     *     stored after this report cannot set the old version again. Without it, or when it is outside what a
     *     health report may carry (more than 5 minutes ahead, older than {@code noderr.health.retention}), the receive
     *     time stands in.
     */
    record UpdateReport(
            @Size(max = 50) @Pattern(regexp = NO_CONTROL, message = NO_CONTROL_MESSAGE) @Nullable String fromVersion,
            @NotBlank @Size(max = 50) @Pattern(regexp = NO_CONTROL, message = NO_CONTROL_MESSAGE) String toVersion,
            @NotNull UpdateResult result,
            @NotNull @Min(0) @Max(MAX_DURATION_MS) Long durationMs,
            @Size(max = 1000) @Nullable String reason,
            @Nullable Instant timestamp) {

        /** Version labels: no control characters (PostgreSQL refuses NUL; the rest breaks logs and screens). */
        static final String NO_CONTROL = "[^\\p{Cntrl}]*";

        static final String NO_CONTROL_MESSAGE = "must not contain control characters";

        /** 30 days in milliseconds. */
        static final long MAX_DURATION_MS = 30L * 24 * 60 * 60 * 1000;

        /** Tolerated clock skew for a timestamp from the future, as for health reports. */
        static final Duration MAX_SKEW = Duration.ofMinutes(5);
    }

    record Accepted(boolean accepted) {}

    record RolloutStatusView(
            @Nullable String currentVersion,
            @Nullable String targetVersion,
            String rolloutPhase,
            long nodesUpdated,
            long totalNodes,
            double successRate,
            long errors,
            String message) {}

    private final NodeVersions versions;
    private final NodeVersionWriter writer;
    private final Rollouts rollouts;
    private final TierTargets targets;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final RolloutMetrics metrics;
    private final ApplicationEventPublisher events;
    private final Duration maxTimestampAge;

    NodeRolloutController(NodeVersions versions, Rollouts rollouts, TierTargets targets, JdbcClient jdbc,
            Clock clock, RolloutMetrics metrics, ApplicationEventPublisher events, NodeVersionWriter writer,
            HealthRetentionSettings healthRetention) {
        this.maxTimestampAge = healthRetention.retention();
        this.writer = writer;
        this.metrics = metrics;
        this.events = events;
        this.versions = versions;
        this.rollouts = rollouts;
        this.targets = targets;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @GetMapping("/api/v1/version/{nodeId}")
    VersionAnswer version(@AuthenticationPrincipal Jwt token, @PathVariable String nodeId,
            @RequestParam(required = false) @Nullable String currentVersion) {
        NodeCaller.requireSelf(token, nodeId);
        // Checked by hand: method validation on this hot path costs more than the check.
        if (currentVersion != null && (currentVersion.isBlank() || currentVersion.length() > 50
                || Texts.hasControlCharacters(currentVersion))) {
            throw new network.noderr.controlplane.shared.InvalidRequestException("currentVersion",
                    "must be 1 to 50 characters, none of them control characters");
        }
        var timer = io.micrometer.core.instrument.Timer.start();
        try {
            return versions.answer(nodeId, currentVersion);
        } finally {
            timer.stop(metrics.versionQuery());
        }
    }

    /**
     * When the node saw the version an update report names: its own timestamp, unless that is missing or outside
     * what a health report may carry (more than {@link UpdateReport#MAX_SKEW} ahead of {@code now}, or older than
     * {@code maxAge}, the health reports' retention), when the receive time {@code now} stands in.
     */
    static Instant observedAt(@Nullable Instant sent, Instant now, Duration maxAge) {
        return sent == null || sent.isAfter(now.plus(UpdateReport.MAX_SKEW)) || sent.isBefore(now.minus(maxAge))
                ? now
                : sent;
    }

    @PostMapping("/api/v1/updates")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Accepted update(@AuthenticationPrincipal Jwt token, @Valid @RequestBody UpdateReport report) {
        var nodeId = token.getSubject();
        var now = clock.instant();
        // The timestamp only orders this report against the node's health reports. Those are refused from a clock
        // more than 5 minutes ahead or older than their retention, so such a timestamp has nothing to be compared
        // with: the receive time stands in, and the report itself (which rollouts count) is still taken.
        var observed = observedAt(report.timestamp(), now, maxTimestampAge);
        var placement = versions.placement(nodeId).orElseThrow(() -> new ProblemException(404, "node-unknown",
                "Unknown node", "No node " + nodeId + " is registered."));
        var target = targets.get(placement.tier());
        var rolloutId = target.rollout() != null && target.rollout().targetVersion().equals(report.toVersion())
                ? target.rolloutId()
                : null;
        // A node told of an emergency rollback by the push reports without asking the version query first: record
        // the target that query would have recorded for it (the rollback's version, whatever the node's cohort).
        var emergencyTarget = report.toVersion().equals(target.emergencyVersion()) ? report.toVersion() : null;
        writer.write(new NodeVersionWriter.UpdateReported(nodeId, placement.tier().name(),
                placement.cohort().wireName(), rolloutId, report.fromVersion(), report.toVersion(),
                report.result().name(), report.durationMs(),
                report.reason() == null ? null : Texts.replaceControlCharacters(report.reason()), now, observed,
                emergencyTarget));
        if (report.result() == UpdateResult.SUCCEEDED || emergencyTarget != null) {
            versions.forgetWritten(nodeId);
        }
        events.publishEvent(new NodeVersionChanged(nodeId, placement.tier(), NodeVersionChanged.Source.UPDATE_REPORT));
        return new Accepted(true);
    }

    /** For nodes (their own tier by default) and for admins with a VIEWER token. */
    @GetMapping("/api/v1/rollout/status")
    RolloutStatusView status(@RequestParam(required = false) @Nullable Tier tier,
            @AuthenticationPrincipal @Nullable Object principal) {
        var effectiveTier = tier;
        if (effectiveTier == null && principal instanceof Jwt jwt) {
            effectiveTier = Tier.valueOf(jwt.getClaimAsString("tier"));
        }
        if (effectiveTier == null) {
            throw new network.noderr.controlplane.shared.InvalidRequestException("tier", "is required");
        }
        var finalTier = effectiveTier;
        var current = rollouts.current(finalTier);
        if (current.isEmpty()) {
            return new RolloutStatusView(null, null, "none", 0, 0, 1.0, 0,
                    "no release has been published for " + finalTier + " yet");
        }
        var view = current.get();
        // One attempt per node that was due to update, its latest report: the engine's rule (CohortCountsQuery), so
        // the dashboard and this answer agree.
        var counted = rollouts.attempts(view.id());
        var attempts = new long[] {counted.attempts(), counted.failures()};
        var success = attempts[0] == 0 ? 1.0 : (attempts[0] - attempts[1]) * 1.0 / attempts[0];
        var emergency = jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :tier")
                .param("tier", finalTier.name())
                .query(String.class)
                .optional();
        if (emergency.isPresent()) {
            // An emergency rollback is in force (also after a rollout that had completed): the tier moves from the
            // rolled-back release to the rollback's version, and that is what nodes are told to run.
            // Both counts now, of the same nodes (a finished rollout's own counts are from when it finished).
            var counts = jdbc.sql("""
                            SELECT count(*) AS total, count(*) FILTER (WHERE v.current_version = :v) AS on_it
                            FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id
                            WHERE n.tier = :tier AND n.status = 'ACTIVE'""")
                    .param("tier", finalTier.name())
                    .param("v", emergency.get())
                    .query((rs, i) -> new long[] {rs.getLong("total"), rs.getLong("on_it")})
                    .single();
            // The phase message of a rollout the rollback reached names the version already.
            var rolledBackTo = "rolled back to " + emergency.get();
            var message = view.phaseMessage().contains(rolledBackTo + " ")
                    ? view.phaseMessage()
                    : rolledBackTo + ": " + view.phaseMessage();
            return new RolloutStatusView(view.versionString(), emergency.get(), "rolled_back", counts[1], counts[0],
                    success, attempts[1], message);
        }
        // Complete: the tier runs the release. Rolled back with no rollback in force: it was the tier's first release,
        // with nothing earlier to return to, so the tier stays on it. Otherwise the tier still runs the release before
        // it (none before a tier's first release).
        var running = view.phase().equals("complete") || view.phase().equals("rolled_back")
                ? view.versionString()
                : rollouts.releaseBefore(view.id()).orElse(null);
        // Aborted: no node is moved to the release any more (nodes that updated before keep it), so the tier's
        // target is the release before it, as the version query answers every node that did not update.
        var target = view.status().equals("aborted") ? running : view.versionString();
        return new RolloutStatusView(running, target, view.phase(), view.updatedNodes(),
                view.totalNodes(), success, attempts[1], view.phaseMessage());
    }
}
