package network.noderr.controlplane.health;

import jakarta.validation.Validator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import network.noderr.controlplane.security.NodeCaller;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/health}: one report, or an ordered array of reports a node buffered while offline. The answer
 * {@code acknowledged: true} means the reports are committed to PostgreSQL.
 */
@RestController
class HealthController {

    /** Oldest report accepted (reports older than the retention would be deleted at once). */
    static final Duration MAX_AGE = Duration.ofDays(30);
    /** Tolerated clock skew for reports from the future. */
    static final Duration MAX_SKEW = Duration.ofMinutes(5);
    static final int MAX_BATCH = 1000;

    record Acknowledged(boolean acknowledged, String healthStatus, int accepted) {}

    private final HealthIngest ingest;
    private final Validator validator;
    private final JsonMapper json;
    private final Clock clock;

    HealthController(HealthIngest ingest, Validator validator, JsonMapper json, Clock clock) {
        this.ingest = ingest;
        this.validator = validator;
        this.json = json;
        this.clock = clock;
    }

    @PostMapping("/api/v1/health")
    Acknowledged report(@AuthenticationPrincipal Jwt token, @RequestBody JsonNode body) {
        var nodes = body.isArray() ? body.values() : List.of(body);
        var reports = new ArrayList<HealthReport>();
        int index = 0;
        for (var node : nodes) {
            reports.add(parse(node, body.isArray() ? "[" + index + "]." : ""));
            index++;
        }
        if (reports.isEmpty() || reports.size() > MAX_BATCH) {
            throw new InvalidRequestException("body", "must hold 1 to " + MAX_BATCH + " reports");
        }
        for (var r : reports) {
            NodeCaller.requireSelf(token, r.nodeId());
        }
        try {
            var status = ingest.ingest(reports);
            return new Acknowledged(true, status.wireName(), reports.size());
        } catch (HealthIngest.IngestUnavailableException e) {
            throw new ProblemException(503, "ingest-unavailable", "Reports not stored",
                    e.getMessage() + " Keep them buffered and retry.");
        }
    }

    private HealthReport parse(JsonNode node, String prefix) {
        HealthReport report;
        try {
            report = json.treeToValue(node, HealthReport.class);
        } catch (RuntimeException e) {
            throw new InvalidRequestException(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
                    "is not a health report (nodeId, version, metrics{uptime, cpu, memory, disk?, errors}, "
                            + "timestamp)");
        }
        var errors = new LinkedHashMap<String, String>();
        validator.validate(report).forEach(v -> errors.put(prefix + v.getPropertyPath(), v.getMessage()));
        if (report.timestamp() != null) {
            var now = clock.instant();
            if (report.timestamp().isAfter(now.plus(MAX_SKEW))) {
                errors.put(prefix + "timestamp", "is in the future; check the node's clock");
            } else if (report.timestamp().isBefore(now.minus(MAX_AGE))) {
                errors.put(prefix + "timestamp", "is older than the 30-day retention");
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return report;
    }
}
