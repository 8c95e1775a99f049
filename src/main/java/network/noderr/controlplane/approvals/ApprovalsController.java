package network.noderr.controlplane.approvals;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Management API for the two-person rule: held requests (read as VIEWER, decide as RELEASE_MANAGER) and the per-tier
 * settings (change as ADMIN).
 */
@RestController
class ApprovalsController {

    record Rejection(@NotBlank @Size(max = 1000) String reason) {}

    record RuleChange(@NotNull Boolean enabled) {}

    private final Approvals approvals;

    ApprovalsController(Approvals approvals) {
        this.approvals = approvals;
    }

    @GetMapping("/api/v1/admin/approvals")
    @PreAuthorize("hasRole('VIEWER')")
    List<ApprovalView> list(@RequestParam(required = false) @Nullable String status,
            @RequestParam(defaultValue = "200") int limit) {
        return approvals.list(status == null || status.isBlank() ? null : parseStatus(status), limit);
    }

    @GetMapping("/api/v1/admin/approvals/{id}")
    @PreAuthorize("hasRole('VIEWER')")
    ApprovalView get(@PathVariable UUID id) {
        return approvals.get(id);
    }

    /** Runs the held action now (publish on-chain, emergency rollback); 403 for the requester. */
    @PostMapping("/api/v1/admin/approvals/{id}/approve")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    ApprovalView approve(@PathVariable UUID id) {
        return approvals.approve(id, Actors.currentUsername());
    }

    @PostMapping("/api/v1/admin/approvals/{id}/reject")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    ApprovalView reject(@PathVariable UUID id, @Valid @RequestBody Rejection body) {
        return approvals.reject(id, Actors.currentUsername(), body.reason());
    }

    @PostMapping("/api/v1/admin/approvals/{id}/cancel")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    ApprovalView cancel(@PathVariable UUID id) {
        return approvals.cancel(id, Actors.currentUsername());
    }

    @GetMapping("/api/v1/admin/two-person-rules")
    @PreAuthorize("hasRole('VIEWER')")
    List<TwoPersonRuleView> rules() {
        return approvals.rules();
    }

    @PutMapping("/api/v1/admin/two-person-rules/{tier}")
    @PreAuthorize("hasRole('ADMIN')")
    TwoPersonRuleView setRule(@PathVariable Tier tier, @Valid @RequestBody RuleChange body) {
        return approvals.setRule(tier, body.enabled(), Actors.currentUsername());
    }

    private static ApprovalStatus parseStatus(String status) {
        try {
            return ApprovalStatus.valueOf(status.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("status",
                    "must be PENDING, APPROVED, FAILED, REJECTED, CANCELLED or EXPIRED");
        }
    }
}
