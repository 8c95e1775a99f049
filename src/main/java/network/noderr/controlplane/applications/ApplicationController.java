package network.noderr.controlplane.applications;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.time.Instant;
import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import network.noderr.controlplane.security.RateLimited;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Public: operators apply to run a node ({@code POST /api/v1/applications}) and look up where their application
 * stands ({@code GET /api/v1/applications/{id}}: the id from the submission's answer, a random UUID, is what proves
 * it is theirs); both rate-limited per address.
 */
@RestController
class ApplicationController {

    record Submitted(UUID applicationId, ApplicationStatus status) {}

    /**
     * What an applicant may see of their application: no contact details, no decider, no reason (written for the
     * admins), no token state.
     */
    record Standing(UUID applicationId, ApplicationStatus status, Tier requestedTier, Instant submittedAt,
            @Nullable Instant decidedAt) {}

    private final Applications applications;

    ApplicationController(Applications applications) {
        this.applications = applications;
    }

    @PostMapping("/api/v1/applications")
    @ResponseStatus(HttpStatus.CREATED)
    @RateLimited("applications")
    Submitted submit(@Valid @RequestBody ApplicationForm form, HttpServletRequest request) {
        return new Submitted(applications.submit(form, request.getRemoteAddr()), ApplicationStatus.PENDING);
    }

    /** 404 for an id that names no application, as for one never issued. */
    @GetMapping("/api/v1/applications/{id}")
    @RateLimited("application-status")
    Standing standing(@PathVariable UUID id) {
        var application = applications.get(id);
        return new Standing(application.id(), application.status(), application.requestedTier(),
                application.createdAt(), application.decidedAt());
    }
}
