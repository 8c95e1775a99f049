package network.noderr.controlplane.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import network.noderr.controlplane.approvals.ApprovalDecided;
import network.noderr.controlplane.approvals.ApprovalStatus;
import network.noderr.controlplane.rollouts.AutomaticRollback;
import network.noderr.controlplane.rollouts.RolloutTransitioned;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Appends to the audit log and reads it. There is deliberately no way to change or remove an entry. */
@Service
public class AuditLog {

    /**
     * Filters (each optional): actor matched exactly but ignoring case (user names are case-insensitive), action (the
     * recorded name or its {@linkplain #LABEL_SQL label}) and target as case-insensitive substrings, outcome exactly, {@code from} inclusive and {@code to} exclusive;
     * {@code beforeId} pages to older entries (keyset: only ids below it). Newest first, at most {@code limit}.
     */
    public record Query(@Nullable String actor, @Nullable String action, @Nullable String target,
            @Nullable String outcome, @Nullable Instant from, @Nullable Instant to, @Nullable Long beforeId,
            int limit) {}

    /**
     * An action as the dashboard shows it, in SQL so that the filter matches what is shown: a dashboard call recorded
     * as its service method ({@code ReleasesService.emergencyRollback}) reads "Releases: emergency rollback"; API
     * requests and the other actions read as recorded.
     */
    static final String LABEL_SQL = """
            CASE WHEN action ~ '^[A-Z][A-Za-z0-9_]*Service\\.[A-Za-z0-9_]+$'
                THEN regexp_replace(substring(action FROM '^([A-Za-z0-9_]*)Service\\.'), '([a-z0-9])([A-Z])',
                        '\\1 \\2', 'g')
                    || ': ' || lower(regexp_replace(substring(action FROM '\\.([A-Za-z0-9_]+)$'), '([a-z0-9])([A-Z])',
                        '\\1 \\2', 'g'))
                ELSE action END""";

    private final JdbcClient jdbc;
    private final Clock clock;

    AuditLog(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    void append(String actor, String actorKind, String action, @Nullable String target, String outcome,
            @Nullable Integer status, @Nullable String sourceAddress, @Nullable String detail) {
        jdbc.sql("""
                        INSERT INTO audit_log (at, actor, actor_kind, action, target, outcome, status, source_address,
                                               detail)
                        VALUES (:at, :actor, :kind, :action, :target, :outcome, :status, :source, :detail)""")
                .param("at", Timestamp.from(clock.instant()))
                .param("actor", cut(actor, 100))
                .param("kind", actorKind)
                .param("action", cut(action, 200))
                .param("target", cut(target, 300))
                .param("outcome", outcome)
                .param("status", status)
                .param("source", cut(sourceAddress, 45))
                .param("detail", cut(detail, 2000))
                .update();
    }

    /** Automation: the reconciler's automatic rollbacks (written in the rollback's own transaction). */
    @EventListener
    void on(AutomaticRollback rollback) {
        append("reconciler", "automation", "automatic rollback", rollback.tier() + " " + rollback.version(),
                "success", null, null, (rollback.toVersion() == null ? "" : "to " + rollback.toVersion() + ": ")
                        + rollback.reason());
    }

    /**
     * Rollout changes nobody asked for through the API: the reconciler's (cohort activated, a health gate pausing,
     * completion) as {@code reconciler}, and the chain's (a version published or a rollback made on-chain from
     * outside, and an open rollout aborted as superseded by it) under the chain account that sent it. Changes a
     * person asked for are recorded with their request, automatic rollbacks as such; those are not repeated here.
     * Written in the change's own transaction.
     */
    @EventListener
    void on(RolloutTransitioned t) {
        if (t.cause() != RolloutTransitioned.Cause.RECONCILER && t.cause() != RolloutTransitioned.Cause.CHAIN) {
            return;
        }
        append(t.actor(), "automation", "rollout " + t.status().replace('_', ' '), t.tier() + " " + t.version(),
                "success", null, null, t.event() + "; rollout " + t.rolloutId());
    }

    /**
     * A management-API change that Spring Security turned away before the application saw it (anonymous ones
     * collapsed per source and minute, see {@code ProblemResponses}), or a summary of those collapsed.
     */
    @EventListener
    void on(network.noderr.controlplane.security.AccessRefused refused) {
        append(refused.actor(), "user", refused.action(), null, "refused", refused.status(), refused.sourceAddress(),
                refused.detail());
    }

    /**
     * The two-person rule: an approved request ran (both people in one entry, with what it did or why it was
     * refused), or a request expired undecided.
     */
    @EventListener
    void on(ApprovalDecided decided) {
        var a = decided.approval();
        var target = a.tier() + " " + a.versionString();
        if (a.status() == ApprovalStatus.EXPIRED) {
            append("approvals", "automation", "two-person approval expired", target, "success", null, null,
                    a.summary() + " requested by " + a.requestedBy() + "; approval " + a.id());
            return;
        }
        var failed = a.status() == ApprovalStatus.FAILED;
        append(java.util.Objects.requireNonNullElse(a.decidedBy(), "unknown"), "user", "two-person approval",
                target, failed ? "failed" : "success", null, null, a.summary() + " requested by " + a.requestedBy()
                        + ", approved by " + a.decidedBy() + ": "
                        + (failed ? "refused: " + a.error() : a.result()) + "; approval " + a.id());
    }

    public List<AuditEntry> find(Query q) {
        if (q.limit() < 1 || q.limit() > 10_000) {
            throw new InvalidRequestException("limit", "must be 1 to 10000");
        }
        if (q.outcome() != null && !List.of("success", "refused", "failed").contains(q.outcome())) {
            throw new InvalidRequestException("outcome", "must be success, refused or failed");
        }
        if (q.from() != null && q.to() != null && !q.from().isBefore(q.to())) {
            throw new InvalidRequestException("to", "must be after from");
        }
        return jdbc.sql("""
                        SELECT *, %s AS label FROM audit_log
                        WHERE (CAST(:actor AS VARCHAR) IS NULL OR lower(actor) = lower(:actor))
                          AND (CAST(:action AS VARCHAR) IS NULL OR strpos(lower(action), lower(:action)) > 0
                               OR strpos(lower(%s), lower(:action)) > 0)
                          AND (CAST(:target AS VARCHAR) IS NULL OR strpos(lower(target), lower(:target)) > 0)
                          AND (CAST(:outcome AS VARCHAR) IS NULL OR outcome = :outcome)
                          AND (CAST(:from AS TIMESTAMPTZ) IS NULL OR at >= :from)
                          AND (CAST(:to AS TIMESTAMPTZ) IS NULL OR at < :to)
                          AND (CAST(:beforeId AS BIGINT) IS NULL OR id < :beforeId)
                        ORDER BY id DESC LIMIT :limit""".formatted(LABEL_SQL, LABEL_SQL))
                .param("actor", q.actor())
                .param("action", q.action())
                .param("target", q.target())
                .param("outcome", q.outcome())
                .param("from", q.from() == null ? null : Timestamp.from(q.from()))
                .param("to", q.to() == null ? null : Timestamp.from(q.to()))
                .param("beforeId", q.beforeId())
                .param("limit", q.limit())
                .query((rs, i) -> entry(rs))
                .list();
    }

    /** The latest entries about exactly this target (e.g. a node id), newest first; served by the target index. */
    public List<AuditEntry> forTarget(String target, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidRequestException("limit", "must be 1 to 1000");
        }
        return jdbc.sql("SELECT *, " + LABEL_SQL
                        + " AS label FROM audit_log WHERE target = :target ORDER BY at DESC, id DESC LIMIT :limit")
                .param("target", target)
                .param("limit", limit)
                .query((rs, i) -> entry(rs))
                .list();
    }

    private static AuditEntry entry(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new AuditEntry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
                rs.getString("actor_kind"), rs.getString("action"), rs.getString("label"), rs.getString("target"),
                rs.getString("outcome"),
                (Integer) rs.getObject("status"), rs.getString("source_address"), rs.getString("detail"));
    }

    /** The entries as CSV (RFC 4180, CRLF), with a header line. */
    public static String csv(List<AuditEntry> entries) {
        var csv = new StringBuilder("id,at,actor,actor_kind,action,target,outcome,status,source_address,detail\r\n");
        for (var e : entries) {
            csv.append(e.id()).append(',').append(e.at()).append(',').append(cell(e.actor())).append(',')
                    .append(e.actorKind()).append(',').append(cell(e.action())).append(',').append(cell(e.target()))
                    .append(',').append(e.outcome()).append(',').append(e.status() == null ? "" : e.status())
                    .append(',').append(cell(e.sourceAddress())).append(',').append(cell(e.detail())).append("\r\n");
        }
        return csv.toString();
    }

    /**
     * RFC 4180 quoting; a leading =, +, -, @, tab or carriage return is prefixed with ' so spreadsheets do not run it
     * as a formula (OWASP's list: some spreadsheets skip a leading tab or CR and read the formula after it).
     */
    static String cell(@Nullable String value) {
        if (value == null) {
            return "";
        }
        var v = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")
                ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /**
     * At most {@code max} characters, each NUL written as its escape (a backslash and u0000): PostgreSQL cannot store
     * NUL in text, and an entry refused for a character someone sent would be an entry lost.
     */
    static @Nullable String cut(@Nullable String value, int max) {
        if (value == null) {
            return null;
        }
        var storable = value.indexOf('\0') < 0 ? value : value.replace("\0", "\\u0000");
        return storable.length() <= max ? storable : storable.substring(0, max);
    }
}
