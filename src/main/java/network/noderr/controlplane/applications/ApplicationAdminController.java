package network.noderr.controlplane.applications;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.security.Actors;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Management API for applications: list (VIEWER), approve / reject / reissue token (ADMIN). */
@RestController
@RequestMapping("/api/v1/admin/applications")
class ApplicationAdminController {

    record Rejection(@NotBlank @Size(max = 1000) String reason) {}

    private final Applications applications;

    ApplicationAdminController(Applications applications) {
        this.applications = applications;
    }

    @GetMapping
    @PreAuthorize("hasRole('VIEWER')")
    List<ApplicationView> list(@RequestParam(required = false) @Nullable ApplicationStatus status) {
        return applications.list(status);
    }

    @GetMapping("/{id}")
    @PreAuthorize("hasRole('VIEWER')")
    ApplicationView get(@PathVariable UUID id) {
        return applications.get(id);
    }

    /** The install token is in this response only; it is never shown again. */
    @PostMapping("/{id}/approve")
    @PreAuthorize("hasRole('ADMIN')")
    Approval approve(@PathVariable UUID id) {
        return applications.approve(id, Actors.currentUsername(), baseUrl());
    }

    @PostMapping("/{id}/reject")
    @PreAuthorize("hasRole('ADMIN')")
    ApplicationView reject(@PathVariable UUID id, @Valid @RequestBody Rejection rejection) {
        return applications.reject(id, Actors.currentUsername(), rejection.reason());
    }

    @PostMapping("/{id}/reissue-token")
    @PreAuthorize("hasRole('ADMIN')")
    Approval reissueToken(@PathVariable UUID id) {
        return applications.reissueToken(id, Actors.currentUsername(), baseUrl());
    }

    record TokenCount(int count) {}

    @PostMapping("/{id}/install-tokens")
    @PreAuthorize("hasRole('ADMIN')")
    Applications.TokenBatch issueTokens(@PathVariable UUID id, @RequestBody TokenCount body) {
        return applications.issueTokens(id, body.count(), Actors.currentUsername());
    }

    private static String baseUrl() {
        return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
    }
}
