package network.noderr.controlplane.applications;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
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

    /**
     * A page of applications as a JSON array (pending oldest first, others newest first). {@code X-Total-Count}
     * says how many match; when more follow, a {@code Link: <…>; rel="next"} header points at the next page.
     */
    @GetMapping
    @PreAuthorize("hasRole('VIEWER')")
    ResponseEntity<List<ApplicationView>> list(@RequestParam(required = false) @Nullable ApplicationStatus status,
            @RequestParam(required = false) @Nullable UUID after,
            @RequestParam(defaultValue = "" + Applications.MAX_LIST) int limit) {
        var page = applications.list(status, after, limit);
        var response = ResponseEntity.ok().header("X-Total-Count", Long.toString(page.total()));
        if (page.more()) {
            var next = ServletUriComponentsBuilder.fromCurrentRequest()
                    .replaceQueryParam("after", page.items().getLast().id())
                    .replaceQueryParam("limit", limit)
                    .build()
                    .toUriString();
            response.header(HttpHeaders.LINK, "<" + next + ">; rel=\"next\"");
        }
        return response.body(page.items());
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

    /**
     * {@code expectedRevocations}: how many usable tokens the caller expects to stop working (the application's
     * {@code tokensActive}); when it differs, 409 {@code install-tokens-changed} and nothing changes.
     */
    @PostMapping("/{id}/reissue-token")
    @PreAuthorize("hasRole('ADMIN')")
    Approval reissueToken(@PathVariable UUID id,
            @RequestParam(required = false) @Nullable Integer expectedRevocations) {
        if (expectedRevocations != null && expectedRevocations < 0) {
            throw new InvalidRequestException("expectedRevocations", "must be 0 or more");
        }
        return applications.reissueToken(id, Actors.currentUsername(), baseUrl(), expectedRevocations);
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
