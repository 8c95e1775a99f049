package network.noderr.controlplane.audit;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Management API: the audit log, newest first, filtered; as JSON or as a CSV download. */
@RestController
class AuditController {

    private final AuditLog log;

    AuditController(AuditLog log) {
        this.log = log;
    }

    /** The query parameters of both calls; every one optional. */
    record Filters(@Nullable String actor, @Nullable String action, @Nullable String target, @Nullable String outcome,
            @Nullable Instant from, @Nullable Instant to, @Nullable Long beforeId, @Nullable Integer limit) {

        AuditLog.Query query(int defaultLimit) {
            return new AuditLog.Query(actor, action, target, outcome, from, to, beforeId,
                    limit == null ? defaultLimit : limit);
        }
    }

    @GetMapping("/api/v1/admin/audit")
    @PreAuthorize("hasRole('VIEWER')")
    List<AuditEntry> list(Filters filters) {
        return log.find(filters.query(200));
    }

    @GetMapping("/api/v1/admin/audit.csv")
    @PreAuthorize("hasRole('VIEWER')")
    ResponseEntity<String> csv(Filters filters) {
        var entries = log.find(filters.query(10_000));
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                .header("Content-Disposition", "attachment; filename=\"noderr-audit.csv\"")
                .body(AuditLog.csv(entries));
    }
}
