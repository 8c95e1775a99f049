package network.noderr.controlplane.applications;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.util.UUID;
import network.noderr.controlplane.security.RateLimited;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Public: operators apply to run a node ({@code POST /api/v1/applications}), rate-limited per address. */
@RestController
class ApplicationController {

    record Submitted(UUID applicationId, ApplicationStatus status) {}

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
}
