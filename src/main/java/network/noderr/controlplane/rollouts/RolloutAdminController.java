package network.noderr.controlplane.rollouts;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.RolloutStatus;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/** Management API for rollouts (DESIGN §3): read as VIEWER, change as RELEASE_MANAGER; 409 on illegal changes. */
@RestController
class RolloutAdminController {

    record Reason(@Size(max = 1000) @Nullable String reason) {}

    /** Optionally the cohort the caller expects to activate ("cohort1".."cohort4"); 409 when it is not the next. */
    record Promotion(@Pattern(regexp = "canary|cohort[1-4]", message = "must be one of canary, cohort1, cohort2, "
            + "cohort3, cohort4") @Nullable String cohort) {}

    /** The target by version string or by its on-chain version id (one of them). */
    record EmergencyRollback(@Size(max = 50) @Nullable String toVersion, @Nullable Long toVersionId,
            @NotBlank @Size(max = 1000) String reason) {}

    /**
     * A rollout's limits, each a share from 0 to 1 (DESIGN §4 defaults: 0.10, 0.05, 0.90), and optionally how many
     * nodes, of how many distinct operators, must back a breach for an automatic rollback (absent: the rollout keeps
     * its own).
     */
    record Thresholds(
            @NotNull @DecimalMin("0") @DecimalMax("1") Double maxUnhealthyRatio,
            @NotNull @DecimalMin("0") @DecimalMax("1") Double maxErrorRate,
            @NotNull @DecimalMin("0") @DecimalMax("1") Double gateMinUpdatedRatio,
            @Min(1) @Max(RolloutThresholds.MAX_MIN_SAMPLE) @Nullable Integer minSample,
            @Min(1) @Max(RolloutThresholds.MAX_MIN_OPERATORS) @Nullable Integer minOperators) {}

    private final Rollouts rollouts;

    RolloutAdminController(Rollouts rollouts) {
        this.rollouts = rollouts;
    }

    /**
     * A page of rollouts, newest first (an array, as before paging). When there are older ones, a
     * {@code Link: <…?before={last id}&limit=…>; rel="next"} header names the next page.
     */
    @GetMapping("/api/v1/admin/rollouts")
    @PreAuthorize("hasRole('VIEWER')")
    ResponseEntity<List<RolloutView>> list(@RequestParam(required = false) @Nullable Tier tier,
            @RequestParam(required = false) @Nullable String status,
            @RequestParam(required = false) @Nullable UUID before,
            @RequestParam(defaultValue = "" + Rollouts.MAX_PAGE) int limit) {
        var page = rollouts.list(tier, status == null ? null : parseStatus(status), before, limit);
        var response = ResponseEntity.ok();
        var next = page.nextBefore();
        if (next != null) {
            var link = UriComponentsBuilder.fromPath("/api/v1/admin/rollouts")
                    .queryParamIfPresent("tier", java.util.Optional.ofNullable(tier))
                    .queryParamIfPresent("status", java.util.Optional.ofNullable(status))
                    .queryParam("before", next)
                    .queryParam("limit", limit)
                    .encode()
                    .build()
                    .toUriString();
            response.header(HttpHeaders.LINK, "<" + link + ">; rel=\"next\"");
        }
        return response.body(page.rollouts());
    }

    @GetMapping("/api/v1/admin/rollouts/{id}")
    @PreAuthorize("hasRole('VIEWER')")
    RolloutView get(@PathVariable UUID id) {
        return rollouts.get(id);
    }

    @PutMapping("/api/v1/admin/rollouts/{id}/thresholds")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    RolloutView setThresholds(@PathVariable UUID id, @Valid @RequestBody Thresholds body) {
        return rollouts.setThresholds(id, new RolloutThresholds(body.maxUnhealthyRatio(), body.maxErrorRate(),
                body.gateMinUpdatedRatio()), body.minSample(), body.minOperators(), Actors.currentUsername());
    }

    @PostMapping("/api/v1/admin/rollouts/{id}/pause")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    RolloutView pause(@PathVariable UUID id, @Valid @RequestBody(required = false) @Nullable Reason body) {
        return rollouts.pause(id, Actors.currentUsername(), body == null ? null : body.reason());
    }

    @PostMapping("/api/v1/admin/rollouts/{id}/resume")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    RolloutView resume(@PathVariable UUID id) {
        return rollouts.resume(id, Actors.currentUsername());
    }

    @PostMapping("/api/v1/admin/rollouts/{id}/promote")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    RolloutView promote(@PathVariable UUID id, @Valid @RequestBody(required = false) @Nullable Promotion body) {
        return rollouts.promote(id, Actors.currentUsername(), body == null ? null : body.cohort());
    }

    @PostMapping("/api/v1/admin/rollouts/{id}/abort")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    RolloutView abort(@PathVariable UUID id, @Valid @RequestBody(required = false) @Nullable Reason body) {
        return rollouts.abort(id, Actors.currentUsername(), body == null ? null : body.reason());
    }

    /**
     * 200 with the rolled-back rollout; when the tier's two-person rule is on, 202 with the pending approval (and its
     * Location) instead: nothing changes until a second person approves it.
     */
    @PostMapping("/api/v1/admin/tiers/{tier}/emergency-rollback")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    ResponseEntity<Object> emergencyRollback(@PathVariable Tier tier, @Valid @RequestBody EmergencyRollback body) {
        String version = body.toVersion();
        if (version == null || version.isBlank()) {
            if (body.toVersionId() == null) {
                throw new network.noderr.controlplane.shared.InvalidRequestException("toVersion",
                        "give toVersion (e.g. 1.4.1) or toVersionId (its on-chain id)");
            }
            version = rollouts.versionOf(tier, body.toVersionId());
        } else if (body.toVersionId() != null
                && !rollouts.versionOf(tier, body.toVersionId()).equals(version.strip())) {
            // Both given: they must name the same release, or which one was meant is unknown.
            throw new network.noderr.controlplane.shared.InvalidRequestException("toVersionId",
                    "names another release than toVersion " + version.strip() + ": give one of them");
        }
        var outcome = rollouts.requestEmergencyRollback(tier, version, body.reason(), Actors.currentUsername());
        var approval = outcome.approval();
        if (approval != null) {
            return ResponseEntity.accepted().location(URI.create("/api/v1/admin/approvals/" + approval.id()))
                    .body(approval);
        }
        return ResponseEntity.ok(outcome.rollout());
    }

    private static RolloutStatus parseStatus(String status) {
        try {
            return RolloutStatus.valueOf(status.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new network.noderr.controlplane.shared.InvalidRequestException("status",
                    "must be pending, active, paused, completed, rolled_back or aborted");
        }
    }
}
