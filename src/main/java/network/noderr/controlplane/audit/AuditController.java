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
            @Nullable Instant from, @Nullable Instant to, @Nullable Integer limit) {

        AuditLog.Query query(int defaultLimit) {
            return new AuditLog.Query(actor, action, target, outcome, from, to, limit == null ? defaultLimit : limit);
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
        var csv = new StringBuilder("id,at,actor,actor_kind,action,target,outcome,status,source_address,detail\r\n");
        for (var e : entries) {
            csv.append(e.id()).append(',').append(e.at()).append(',').append(cell(e.actor())).append(',')
                    .append(e.actorKind()).append(',').append(cell(e.action())).append(',').append(cell(e.target()))
                    .append(',').append(e.outcome()).append(',').append(e.status() == null ? "" : e.status())
                    .append(',').append(cell(e.sourceAddress())).append(',').append(cell(e.detail())).append("\r\n");
        }
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                .header("Content-Disposition", "attachment; filename=\"noderr-audit.csv\"")
                .body(csv.toString());
    }

    /** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula. */
    static String cell(@Nullable String value) {
        if (value == null) {
            return "";
        }
        var v = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")
                ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
