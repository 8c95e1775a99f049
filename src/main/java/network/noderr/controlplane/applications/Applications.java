package network.noderr.controlplane.applications;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.util.StringUtils;

/**
 * Operator applications: submitted publicly, decided by an ADMIN. Approval issues a single-use install token;
 * decisions are compare-and-set on PENDING, so two admins cannot both decide one application.
 */
@Service
public class Applications {

    /** Longest page of applications returned at once. */
    public static final int MAX_LIST = 500;

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Applications.class);

    private final JdbcClient jdbc;
    private final InstallTokens tokens;
    private final Clock clock;
    private final OnboardingProperties properties;

    Applications(JdbcClient jdbc, InstallTokens tokens, Clock clock, OnboardingProperties properties) {
        this.jdbc = jdbc;
        this.tokens = tokens;
        this.clock = clock;
        this.properties = properties;
    }

    /** Stores a new PENDING application and returns its id. */
    @Transactional
    public UUID submit(ApplicationForm form, String sourceAddress) {
        var hw = form.hardware();
        return jdbc.sql("""
                        INSERT INTO applications (operator_name, email, wallet_address, requested_tier, cpu_cores,
                            memory_gb, disk_gb, network_mbps, gpu, message, source_address)
                        VALUES (:name, :email, :wallet, :tier, :cpu, :mem, :disk, :net, :gpu, :message, :source)
                        RETURNING id""")
                .param("name", form.operatorName().strip())
                .param("email", form.email().strip())
                .param("wallet", form.walletAddress())
                .param("tier", form.requestedTier().name())
                .param("cpu", hw.cpuCores())
                .param("mem", hw.memoryGb())
                .param("disk", hw.diskGb())
                .param("net", hw.networkMbps())
                .param("gpu", hw.gpu())
                .param("message", StringUtils.hasText(form.message()) ? form.message().strip() : null)
                .param("source", sourceAddress)
                .query(UUID.class)
                .single();
    }

    /** Applications, newest first; all of them when {@code status} is null. */
    @Transactional(readOnly = true)
    public List<ApplicationView> list(@Nullable ApplicationStatus status) {
        return jdbc.sql(SELECT + (status == null ? "" : " WHERE a.status = :status")
                        + " ORDER BY a.created_at DESC LIMIT " + MAX_LIST)
                .params(status == null ? java.util.Map.of() : java.util.Map.of("status", status.name()))
                .query(this::map)
                .list();
    }

    @Transactional(readOnly = true)
    public ApplicationView get(UUID id) {
        return jdbc.sql(SELECT + " WHERE a.id = :id")
                .param("id", id)
                .query(this::map)
                .optional()
                .orElseThrow(() -> notFound(id));
    }

    /**
     * Approves a PENDING application and issues its install token (returned once, with the install command).
     *
     * @param baseUrl the control plane's URL as operators reach it, when {@code noderr.onboarding.public-url} is empty
     */
    @Transactional
    public Approval approve(UUID id, String actor, String baseUrl) {
        var application = decide(id, ApplicationStatus.APPROVED, actor, null);
        return issueToken(application.id(), application.requestedTier(), actor, baseUrl);
    }

    /** Rejects a PENDING application with a reason the operator can be told. */
    @Transactional
    public ApplicationView reject(UUID id, String actor, String reason) {
        if (!StringUtils.hasText(reason) || reason.strip().length() > 1000) {
            throw new InvalidRequestException("reason", "must be 1 to 1000 characters");
        }
        decide(id, ApplicationStatus.REJECTED, actor, reason.strip());
        return get(id);
    }

    /**
     * Revokes the unused install token of an approved application and issues a new one (for a lost or expired
     * token). Refused once a node has registered with it. The application row is locked first, so concurrent
     * reissues (two admins, a double click, two replicas) run one after the other and leave exactly one usable token.
     */
    @Transactional
    public Approval reissueToken(UUID id, String actor, String baseUrl) {
        lock(id);
        var application = get(id);
        if (application.status() != ApplicationStatus.APPROVED) {
            throw new ProblemException(409, "application-not-approved", "Application not approved",
                    "Only an approved application has an install token; this one is " + application.status() + ".");
        }
        if (application.nodeId() != null) {
            throw new ProblemException(409, "install-token-used", "Install token already used",
                    "Node " + application.nodeId() + " already registered with this application's token.");
        }
        tokens.revokeUnused(id);
        return issueToken(id, application.requestedTier(), actor, baseUrl);
    }

    /**
     * Issues {@code count} more single-use install tokens for an approved application: an operator who runs several
     * nodes (or a simulated fleet) registers each with its own token. Shown once, stored hashed, like every token.
     */
    @Transactional
    public TokenBatch issueTokens(UUID id, int count, String actor) {
        if (count < 1 || count > MAX_TOKEN_BATCH) {
            throw new InvalidRequestException("count", "must be 1 to " + MAX_TOKEN_BATCH);
        }
        var application = get(id);
        if (application.status() != ApplicationStatus.APPROVED) {
            throw new ProblemException(409, "application-not-approved", "Application not approved",
                    "Install tokens are issued for approved applications; this one is " + application.status() + ".");
        }
        var issued = new java.util.ArrayList<String>(count);
        java.time.Instant expiresAt = null;
        for (int i = 0; i < count; i++) {
            var token = tokens.issue(id, application.requestedTier(), actor);
            issued.add(token.token());
            expiresAt = token.expiresAt();
        }
        log.info("{} issued {} install tokens for application {} ({})", actor, count, id, application.requestedTier());
        return new TokenBatch(application.requestedTier(), java.util.Objects.requireNonNull(expiresAt), issued);
    }

    /** Tokens issued together: shown once. */
    public record TokenBatch(Tier tier, java.time.Instant expiresAt, java.util.List<String> tokens) {}

    /** The most tokens one call issues. */
    public static final int MAX_TOKEN_BATCH = 1000;

    private Approval issueToken(UUID applicationId, Tier tier, String actor, String baseUrl) {
        var issued = tokens.issue(applicationId, tier, actor);
        var url = StringUtils.hasText(properties.publicUrl()) ? properties.publicUrl() : baseUrl;
        url = url.replaceAll("/+$", "");
        var command = "curl -fsSL " + url + "/install.sh | sudo bash -s -- --token " + issued.token() + " --url "
                + url + " --tier " + tier.name();
        return new Approval(issued.token(), issued.expiresAt(), tier, command);
    }

    private ApplicationView decide(UUID id, ApplicationStatus to, String actor, @Nullable String reason) {
        int changed = jdbc.sql("""
                        UPDATE applications SET status = :to, decided_by = :actor, decided_at = :now,
                            decision_reason = :reason
                        WHERE id = :id AND status = 'PENDING'""")
                .param("to", to.name())
                .param("actor", actor)
                .param("now", Timestamp.from(clock.instant()))
                .param("reason", reason)
                .param("id", id)
                .update();
        var application = get(id);
        if (changed == 0) {
            throw new ProblemException(409, "application-already-decided", "Application already decided",
                    "This application is already " + application.status() + " (by " + application.decidedBy()
                            + "); only pending applications can be approved or rejected.");
        }
        return application;
    }

    /** Locks the application's row until the transaction ends; 404 when there is no such application. */
    private void lock(UUID id) {
        jdbc.sql("SELECT id FROM applications WHERE id = :id FOR UPDATE")
                .param("id", id)
                .query(UUID.class)
                .optional()
                .orElseThrow(() -> notFound(id));
    }

    private static ProblemException notFound(UUID id) {
        return new ProblemException(404, "application-not-found", "Application not found",
                "There is no application " + id + ".");
    }

    private static final String SELECT = """
            SELECT a.*, t.expires_at AS token_expires_at, t.used_at AS token_used_at,
                   t.revoked_at AS token_revoked_at, t.used_by_node AS token_node
            FROM applications a
            LEFT JOIN LATERAL (
                SELECT expires_at, used_at, revoked_at, used_by_node FROM install_tokens
                WHERE application_id = a.id ORDER BY created_at DESC LIMIT 1) t ON TRUE""";

    private ApplicationView map(ResultSet rs, int row) throws SQLException {
        var tokenExpires = rs.getTimestamp("token_expires_at");
        String tokenState = null;
        if (tokenExpires != null) {
            if (rs.getTimestamp("token_used_at") != null) {
                tokenState = "USED";
            } else if (rs.getTimestamp("token_revoked_at") != null) {
                tokenState = "REVOKED";
            } else if (!tokenExpires.toInstant().isAfter(clock.instant())) {
                tokenState = "EXPIRED";
            } else {
                tokenState = "ACTIVE";
            }
        }
        var decidedAt = rs.getTimestamp("decided_at");
        return new ApplicationView(
                rs.getObject("id", UUID.class),
                rs.getString("operator_name"),
                rs.getString("email"),
                rs.getString("wallet_address"),
                Tier.valueOf(rs.getString("requested_tier")),
                new Hardware(rs.getInt("cpu_cores"), rs.getInt("memory_gb"), rs.getInt("disk_gb"),
                        rs.getInt("network_mbps"), rs.getBoolean("gpu")),
                rs.getString("message"),
                ApplicationStatus.valueOf(rs.getString("status")),
                rs.getString("decision_reason"),
                rs.getString("decided_by"),
                decidedAt == null ? null : decidedAt.toInstant(),
                rs.getTimestamp("created_at").toInstant(),
                tokenState,
                tokenExpires == null ? null : tokenExpires.toInstant(),
                rs.getString("token_node"));
    }
}
