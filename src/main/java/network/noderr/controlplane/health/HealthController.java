package network.noderr.controlplane.health;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/health}: one report, or an ordered array of reports a node buffered while offline. The answer
 * {@code acknowledged: true} means the reports are committed to PostgreSQL.
 */
@RestController
class HealthController {

    /** Tolerated clock skew for reports from the future. */
    static final Duration MAX_SKEW = Duration.ofMinutes(5);
    static final int MAX_BATCH = 1000;

    record Acknowledged(boolean acknowledged, String healthStatus, int accepted) {}

    private final HealthIngest ingest;
    private final JsonMapper json;
    private final Clock clock;
    /** Oldest report accepted: the retention (older reports would be deleted at once). */
    private final Duration maxAge;
    /** The retention as the refusal names it: "the 30-day retention", or "the retention of PT36H". */
    private final String retentionText;

    HealthController(HealthIngest ingest, JsonMapper json, Clock clock, HealthRetentionSettings retention) {
        this.ingest = ingest;
        this.json = json;
        this.clock = clock;
        this.maxAge = retention.retention();
        this.retentionText = maxAge.toSeconds() % 86_400 == 0 && maxAge.getNano() == 0
                ? "the " + maxAge.toDays() + "-day retention" : "the retention of " + maxAge;
    }

    @PostMapping("/api/v1/health")
    Acknowledged report(@AuthenticationPrincipal Jwt token, @RequestBody byte[] body) {
        var reports = parse(body);
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

    /** Binds the body straight to records (no intermediate tree), then checks every report. */
    private List<HealthReport> parse(byte[] body) {
        boolean batch = isArray(body);
        List<HealthReport> reports;
        try {
            reports = batch ? Arrays.asList(json.readValue(body, HealthReport[].class))
                    : List.of(json.readValue(body, HealthReport.class));
        } catch (JacksonException e) {
            throw new InvalidRequestException(path(e), "is not a health report (nodeId, version, metrics{uptime, "
                    + "cpu, memory, disk?, errors}, timestamp)");
        }
        var errors = new LinkedHashMap<String, String>();
        var now = clock.instant();
        for (int i = 0; i < reports.size(); i++) {
            var report = reports.get(i);
            var prefix = batch ? "[" + i + "]." : "";
            if (report == null) {
                errors.put(batch ? "[" + i + "]" : "body", "must be a health report");
                continue;
            }
            report.collectErrors(prefix, errors);
            if (report.timestamp() != null) {
                if (report.timestamp().isAfter(now.plus(MAX_SKEW))) {
                    errors.put(prefix + "timestamp", "is in the future; check the node's clock");
                } else if (report.timestamp().isBefore(now.minus(maxAge))) {
                    errors.put(prefix + "timestamp", "is older than " + retentionText);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return reports;
    }

    private static boolean isArray(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return b == '[';
            }
        }
        return false;
    }

    /** Where in the body binding failed, in the field-name form of the other errors (e.g. {@code [3].metrics.cpu}). */
    private static String path(JacksonException e) {
        var path = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }
}
