package network.noderr.controlplane.approvals;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The two-person rule: per-tier settings, held requests and their decisions. Approving claims the request in one
 * compare-and-set (PENDING → APPROVED, never by the requester), so the action runs exactly once however many people
 * or replicas approve at the same moment; it then runs outside that transaction (a chain write waits for the chain)
 * and its outcome is recorded.
 */
@Service
public class Approvals {

    private static final Logger log = LoggerFactory.getLogger(Approvals.class);
    private static final String COLUMNS = "id, kind, tier, version_string, image_ref, image_digest, config_hash, "
            + "reason, status, requested_by, requested_at, expires_at, decided_by, decided_at, decision_reason, "
            + "result, error, rolls_back_from";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final ApprovalsProperties properties;
    private final ObjectProvider<ApprovedAction> actions;
    private final ApplicationEventPublisher events;
    private final TransactionTemplate tx;

    Approvals(JdbcClient jdbc, Clock clock, ApprovalsProperties properties, ObjectProvider<ApprovedAction> actions,
            ApplicationEventPublisher events, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.actions = actions;
        this.events = events;
        this.tx = new TransactionTemplate(transactionManager);
    }

    /** Whether publish and emergency rollback for {@code tier} wait for a second approver. */
    public boolean required(Tier tier) {
        return jdbc.sql("SELECT enabled FROM two_person_rules WHERE tier = :tier")
                .param("tier", tier.name())
                .query(Boolean.class)
                .optional()
                .orElse(tier == Tier.GUARDIAN);
    }

    public List<TwoPersonRuleView> rules() {
        return jdbc.sql("SELECT tier, enabled, updated_by, updated_at FROM two_person_rules ORDER BY tier")
                .query((rs, i) -> new TwoPersonRuleView(Tier.valueOf(rs.getString("tier")), rs.getBoolean("enabled"),
                        rs.getString("updated_by"), rs.getTimestamp("updated_at").toInstant()))
                .list()
                .stream()
                .sorted(java.util.Comparator.comparing(TwoPersonRuleView::tier))
                .toList();
    }

    /** Turns a tier's rule on or off (ADMIN). Requests already pending stay pending either way. */
    public TwoPersonRuleView setRule(Tier tier, boolean enabled, String actor) {
        boolean before = required(tier);
        jdbc.sql("""
                        INSERT INTO two_person_rules (tier, enabled, updated_by, updated_at)
                        VALUES (:tier, :enabled, :by, :now)
                        ON CONFLICT (tier) DO UPDATE SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by,
                            updated_at = EXCLUDED.updated_at""")
                .param("tier", tier.name())
                .param("enabled", enabled)
                .param("by", actor)
                .param("now", Timestamp.from(clock.instant()))
                .update();
        log.info("Two-person rule for {} turned {} by {}", tier, enabled ? "on" : "off", actor);
        if (before != enabled) {
            events.publishEvent(new TwoPersonRuleChanged(tier, enabled, actor));
        }
        return rules().stream().filter(r -> r.tier() == tier).findFirst().orElseThrow();
    }

    /**
     * Holds an action until a second person approves it. The owner's check runs first, so a request that could not
     * run now is refused at once. At most one request per tier and kind waits at a time.
     */
    public ApprovalView request(ApprovalRequest request, String requester) {
        expireDue();
        action(request.kind()).check(request);
        var now = clock.instant();
        UUID id;
        try {
            id = jdbc.sql("""
                            INSERT INTO approvals (kind, tier, version_string, image_ref, image_digest, config_hash,
                                reason, status, requested_by, requested_at, expires_at, rolls_back_from)
                            VALUES (:kind, :tier, :version, :image, :digest, :config, :reason, 'PENDING', :by, :now,
                                :expires, :from)
                            RETURNING id""")
                    .param("kind", request.kind().name())
                    .param("tier", request.tier().name())
                    .param("version", request.versionString())
                    .param("image", request.imageRef())
                    .param("digest", request.imageDigest())
                    .param("config", request.configHash())
                    .param("reason", request.reason())
                    .param("from", request.rollsBackFrom())
                    .param("by", requester)
                    .param("now", Timestamp.from(now))
                    .param("expires", Timestamp.from(now.plus(properties.expiry())))
                    .query(UUID.class)
                    .single();
        } catch (DuplicateKeyException e) {
            var waiting = pending(request.tier(), request.kind());
            throw new ProblemException(409, "approval-pending", "A request is already waiting for approval",
                    request.tier() + " already has " + waiting.map(w -> "a request (" + w.summary() + ", requested by "
                            + w.requestedBy() + ")").orElse("a request of this kind") + " waiting for a second "
                            + "approver. Only one may wait per tier and kind: have it approved, rejected or cancelled "
                            + "first.");
        }
        log.info("{} requested by {}: waiting for a second approver (approval {})", request.describe(), requester, id);
        return get(id);
    }

    /**
     * A second, different RELEASE_MANAGER or ADMIN approves: the action runs now, once, recorded as the requester
     * with the approver. Refused (403) for the requester, also through their API token.
     */
    public ApprovalView approve(UUID id, String approver) {
        expireDue();
        var claimed = Objects.requireNonNull(tx.execute(s -> {
            var row = lockPending(id, "approve");
            if (sameUser(row.requestedBy(), approver)) {
                throw new ProblemException(403, "self-approval", "You cannot approve your own request",
                        "You requested this (" + row.summary() + "). The two-person rule needs a second, different "
                                + "RELEASE_MANAGER or ADMIN to approve it; you can cancel it instead.");
            }
            decide(id, ApprovalStatus.APPROVED, approver, null);
            return row;
        }));
        var request = claimed.request();
        var actor = executedAs(claimed.requestedBy(), approver);
        log.info("{} (requested by {}) approved by {}: running it", claimed.summary(), claimed.requestedBy(), approver);
        try {
            var result = action(request.kind()).execute(request, actor);
            outcome(id, ApprovalStatus.APPROVED, result, null);
        } catch (ProblemException e) {
            if (e.status() == 504) { // sent, not mined yet: it takes effect when mined
                outcome(id, ApprovalStatus.APPROVED, "sent, not mined yet: " + e.getMessage(), null);
            } else {
                failed(id, e.getMessage());
                throw new ProblemException(e.status(), e.typeName(), e.title(), "Approved, but the "
                        + request.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " was refused: "
                        + e.getMessage() + " Nothing changed; the request is marked FAILED. File it again once the "
                        + "cause is fixed.");
            }
        } catch (InvalidRequestException e) {
            failed(id, e.getMessage());
            throw new ProblemException(409, "approved-action-refused", "Approved, but refused", "Approved, but "
                    + claimed.summary() + " was refused: " + e.getMessage() + ". Nothing changed; the request is "
                    + "marked FAILED.");
        } catch (RuntimeException e) {
            failed(id, e.getClass().getSimpleName() + ": " + e.getMessage());
            throw e;
        }
        return get(id);
    }

    /** A second person refuses, with a reason. */
    public ApprovalView reject(UUID id, String actor, String reason) {
        if (reason.isBlank()) {
            throw new InvalidRequestException("reason", "must say why (the requester sees it)");
        }
        expireDue();
        tx.executeWithoutResult(s -> {
            var row = lockPending(id, "reject");
            if (sameUser(row.requestedBy(), actor)) {
                throw new ProblemException(403, "self-approval", "You cannot decide your own request",
                        "You requested this (" + row.summary() + "); cancel it instead of rejecting it.");
            }
            decide(id, ApprovalStatus.REJECTED, actor, reason.strip());
        });
        log.info("Approval {} rejected by {}: {}", id, actor, reason.strip());
        return get(id);
    }

    /** The requester withdraws it. */
    public ApprovalView cancel(UUID id, String actor) {
        expireDue();
        tx.executeWithoutResult(s -> {
            var row = lockPending(id, "cancel");
            if (!sameUser(row.requestedBy(), actor)) {
                throw new ProblemException(403, "not-the-requester", "Only the requester can cancel",
                        row.requestedBy() + " requested this; only they can cancel it. Reject it (with a reason) "
                                + "instead.");
            }
            decide(id, ApprovalStatus.CANCELLED, actor, null);
        });
        log.info("Approval {} cancelled by {}", id, actor);
        return get(id);
    }

    /** Pending requests first (oldest first), then the most recent decided ones. */
    public List<ApprovalView> list(@Nullable ApprovalStatus status, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidRequestException("limit", "must be 1 to 1000");
        }
        expireDue();
        return jdbc.sql("SELECT " + COLUMNS + """
                         FROM approvals WHERE (CAST(:status AS VARCHAR) IS NULL OR status = :status)
                        ORDER BY status = 'PENDING' DESC,
                            CASE WHEN status = 'PENDING' THEN requested_at END ASC,
                            coalesce(decided_at, expires_at) DESC, requested_at DESC
                        LIMIT :limit""")
                .param("status", status == null ? null : status.name())
                .param("limit", limit)
                .query(Approvals::map)
                .list();
    }

    public ApprovalView get(UUID id) {
        return find(id).orElseThrow(() -> notFound(id));
    }

    /** Marks pending requests past their expiry EXPIRED; returns how many. Runs every minute and before each use. */
    @Scheduled(fixedDelayString = "${noderr.approvals.expiry-check-interval:PT1M}", initialDelayString = "PT30S")
    public int expireDue() {
        var expired = jdbc.sql("UPDATE approvals SET status = 'EXPIRED' WHERE status = 'PENDING' AND expires_at <= :now "
                        + "RETURNING " + COLUMNS)
                .param("now", Timestamp.from(clock.instant()))
                .query(Approvals::map)
                .list();
        for (var e : expired) {
            log.info("{} requested by {} expired without a second approver", e.summary(), e.requestedBy());
            events.publishEvent(new ApprovalDecided(e));
        }
        return expired.size();
    }

    private java.util.Optional<ApprovalView> find(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM approvals WHERE id = :id")
                .param("id", id)
                .query(Approvals::map)
                .optional();
    }

    private java.util.Optional<ApprovalView> pending(Tier tier, ApprovalKind kind) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM approvals WHERE tier = :tier AND kind = :kind "
                        + "AND status = 'PENDING'")
                .param("tier", tier.name())
                .param("kind", kind.name())
                .query(Approvals::map)
                .optional();
    }

    /** Locks the row for this transaction; refuses unless it is still pending and not past its expiry. */
    private ApprovalView lockPending(UUID id, String what) {
        var row = jdbc.sql("SELECT " + COLUMNS + " FROM approvals WHERE id = :id FOR UPDATE")
                .param("id", id)
                .query(Approvals::map)
                .optional()
                .orElseThrow(() -> notFound(id));
        if (row.status() == ApprovalStatus.EXPIRED || (row.status() == ApprovalStatus.PENDING
                && !row.expiresAt().isAfter(clock.instant()))) {
            throw new ProblemException(409, "approval-expired", "Request expired", row.summary() + " expired at "
                    + row.expiresAt() + " without a second approver, so it can no longer be decided. File it again "
                    + "if it is still wanted.");
        }
        if (row.status() != ApprovalStatus.PENDING) {
            var by = row.decidedBy() == null ? "" : " by " + row.decidedBy();
            throw new ProblemException(409, "approval-not-pending", "Already decided", "Cannot " + what + " "
                    + row.summary() + ": it is " + row.status().name().toLowerCase(Locale.ROOT) + by
                    + " already. Only a pending request can be approved, rejected or cancelled.");
        }
        return row;
    }

    private void decide(UUID id, ApprovalStatus status, String actor, @Nullable String reason) {
        jdbc.sql("""
                        UPDATE approvals SET status = :status, decided_by = :by, decided_at = :now,
                            decision_reason = :reason
                        WHERE id = :id AND status = 'PENDING'""")
                .param("status", status.name())
                .param("by", actor)
                .param("now", Timestamp.from(clock.instant()))
                .param("reason", reason == null ? null : cut(reason))
                .param("id", id)
                .update();
    }

    private void outcome(UUID id, ApprovalStatus status, @Nullable String result, @Nullable String error) {
        jdbc.sql("UPDATE approvals SET status = :status, result = :result, error = :error WHERE id = :id")
                .param("status", status.name())
                .param("result", result == null ? null : cut(result))
                .param("error", error == null ? null : cut(error))
                .param("id", id)
                .update();
        events.publishEvent(new ApprovalDecided(get(id)));
    }

    private void failed(UUID id, @Nullable String error) {
        log.warn("Approved request {} was refused when it ran: {}", id, error);
        outcome(id, ApprovalStatus.FAILED, null, Objects.requireNonNullElse(error, "refused"));
    }

    private ApprovedAction action(ApprovalKind kind) {
        return actions.orderedStream()
                .filter(a -> a.kind() == kind)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no action registered for " + kind));
    }

    /** Who the action is recorded as: "alice (approved by bob)", or the requester alone when that is too long. */
    static String executedAs(String requester, String approver) {
        var both = requester + " (approved by " + approver + ")";
        return both.length() <= 64 ? both : requester;
    }

    private static boolean sameUser(String a, String b) {
        return a.equalsIgnoreCase(b);
    }

    private static String cut(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 999) + "…";
    }

    private static ProblemException notFound(UUID id) {
        return new ProblemException(404, "approval-not-found", "Approval not found", "There is no approval " + id + ".");
    }

    private static ApprovalView map(ResultSet rs, int i) throws SQLException {
        var kind = ApprovalKind.valueOf(rs.getString("kind"));
        var tier = Tier.valueOf(rs.getString("tier"));
        var version = rs.getString("version_string");
        var decidedAt = rs.getTimestamp("decided_at");
        var request = new ApprovalRequest(kind, tier, version, rs.getString("image_ref"), rs.getString("image_digest"),
                rs.getString("config_hash"), rs.getString("reason"), rs.getString("rolls_back_from"));
        return new ApprovalView(rs.getObject("id", UUID.class), kind, tier, version, request.imageRef(),
                request.imageDigest(), request.configHash(), request.reason(),
                ApprovalStatus.valueOf(rs.getString("status")), request.describe(), rs.getString("requested_by"),
                rs.getTimestamp("requested_at").toInstant(), rs.getTimestamp("expires_at").toInstant(),
                rs.getString("decided_by"), decidedAt == null ? null : decidedAt.toInstant(),
                rs.getString("decision_reason"), rs.getString("result"), rs.getString("error"),
                request.rollsBackFrom());
    }
}
