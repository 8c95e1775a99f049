package network.noderr.controlplane.applications;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.HardwareCheck;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.util.StringUtils;

/**
 * Operator applications: submitted publicly, decided by an ADMIN. Approval issues a single-use install token (more
 * can follow, one per node); decisions are compare-and-set on PENDING, so two admins cannot both decide one
 * application.
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
    private final ControlPlaneCa ca;

    Applications(JdbcClient jdbc, InstallTokens tokens, Clock clock, OnboardingProperties properties,
            ControlPlaneCa ca) {
        this.ca = ca;
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

    /**
     * One page of applications; all statuses when {@code status} is null. Pending applications come oldest first
     * (first come, first served: the longest waiting is decided first), all others newest first; ties on the
     * submission time are broken by id, so paging never skips or repeats one.
     *
     * @param after the last application of the previous page (keyset paging: stable while applications are
     *     decided or submitted meanwhile), or null for the first page
     * @param limit 1 to {@link #MAX_LIST}
     */
    @Transactional(readOnly = true)
    public ApplicationPage list(@Nullable ApplicationStatus status, @Nullable UUID after, int limit) {
        if (limit < 1 || limit > MAX_LIST) {
            throw new InvalidRequestException("limit", "must be 1 to " + MAX_LIST);
        }
        var ascending = status == ApplicationStatus.PENDING;
        var params = new java.util.HashMap<String, Object>();
        params.put("now", Timestamp.from(clock.instant()));
        params.put("limit", limit + 1);
        var where = new java.util.ArrayList<String>();
        if (status != null) {
            where.add("a.status = :status");
            params.put("status", status.name());
        }
        if (after != null) {
            var cursor = jdbc.sql("SELECT created_at FROM applications WHERE id = :id")
                    .param("id", after)
                    .query(Timestamp.class)
                    .optional()
                    .orElseThrow(() -> new InvalidRequestException("after", "there is no application " + after));
            where.add("(a.created_at, a.id) " + (ascending ? ">" : "<") + " (:afterCreatedAt, :after)");
            params.put("afterCreatedAt", cursor);
            params.put("after", after);
        }
        var direction = ascending ? " ASC" : " DESC";
        var found = jdbc.sql(SELECT + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                        + " ORDER BY a.created_at" + direction + ", a.id" + direction + " LIMIT :limit")
                .params(params)
                .query(this::map)
                .list();
        var total = jdbc.sql("SELECT count(*) FROM applications" + (status == null ? "" : " WHERE status = :status"))
                .params(status == null ? java.util.Map.of() : java.util.Map.of("status", status.name()))
                .query(Long.class)
                .single();
        var more = found.size() > limit;
        return new ApplicationPage(more ? List.copyOf(found.subList(0, limit)) : found, total, more);
    }

    @Transactional(readOnly = true)
    public ApplicationView get(UUID id) {
        return jdbc.sql(SELECT + " WHERE a.id = :id")
                .param("id", id)
                .param("now", Timestamp.from(clock.instant()))
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
     * Replaces lost or expired install tokens: revokes every token of the approved application that could still
     * register a node (unused, unrevoked, unexpired) and issues one new token. Nodes already registered are not
     * touched. Refused when there is nothing to replace: every token issued registered a node (more nodes get
     * {@link #issueTokens more tokens} instead). The application row is locked first, so concurrent reissues and
     * batches (two admins, a double click, two replicas) run one after the other and leave exactly one usable token.
     *
     * @param expectedRevocations how many tokens the admin was told would stop working; when the number revoked
     *     differs (a node registered or tokens were issued meanwhile) nothing changes and the answer is 409
     *     {@code install-tokens-changed}. Null revokes whatever is usable, unchecked.
     */
    @Transactional
    public Approval reissueToken(UUID id, String actor, String baseUrl, @Nullable Integer expectedRevocations) {
        lock(id);
        var application = get(id);
        if (application.status() != ApplicationStatus.APPROVED) {
            throw new ProblemException(409, "application-not-approved", "Application not approved",
                    "Only an approved application has an install token; this one is " + application.status() + ".");
        }
        if (application.tokensActive() + application.tokensExpired() == 0) {
            throw new ProblemException(409, "install-token-used", "Install token already used",
                    "Every install token of this application has registered a node (" + application.tokensUsed()
                            + ", latest " + application.nodeId() + "); there is no unused token to replace. "
                            + "Issue more install tokens to add another node.");
        }
        int revoked = tokens.revokeUsable(id);
        if (expectedRevocations != null && revoked != expectedRevocations) {
            // Thrown inside the transaction: the revocation above is rolled back.
            throw new ProblemException(409, "install-tokens-changed", "Install tokens changed",
                    revoked + " install token(s) of this application can still register a node, not "
                            + expectedRevocations + " as confirmed; nothing was revoked. Look again and confirm.");
        }
        log.info("{} reissued the install token of application {}, revoking {} usable token(s)", actor, id, revoked);
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
        lock(id);
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
        var configured = StringUtils.hasText(properties.publicUrl());
        var url = (configured ? properties.publicUrl() : baseUrl).replaceAll("/+$", "");
        var privateCa = ca.current();
        if (privateCa.problem() != null) {
            log.warn("Install command without the control plane's CA: {}", privateCa.problem());
        }
        return new Approval(issued.token(), issued.expiresAt(), tier, installCommand(url, tier, privateCa.sha256()),
                privateCa.sha256(), privateCa.problem(), configured ? null : loopbackProblem(url));
    }

    /**
     * Why an install command for {@code url}, the address the admin's request came to, will not work on an operator's
     * machine: the host is this machine's own (a loopback name or address); null otherwise. Only the URL's text is
     * read, nothing is looked up.
     */
    static @Nullable String loopbackProblem(String url) {
        String host;
        try {
            host = java.net.URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (host == null) {
            return null;
        }
        host = host.toLowerCase(java.util.Locale.ROOT);
        var loopback = host.equals("localhost") || host.endsWith(".localhost") || host.matches("127(\\.\\d{1,3}){3}")
                || host.equals("[::1]") || host.equals("[0:0:0:0:0:0:0:1]");
        return loopback
                ? "the command uses " + url + ", the address this dashboard was opened at, which on an operator's"
                        + " machine is that machine itself. Set noderr.onboarding.public-url (NODERR_PUBLIC_URL) to the"
                        + " address operators' machines reach, or change --url in the command before sending it"
                : null;
    }

    /**
     * The install command. Without the token: an argument is readable by every local user (/proc/<pid>/cmdline) and
     * stays in the shell history; the installer asks for it on the terminal without echo (or reads --token-file).
     * With a private CA ({@code caSha256}): the CA's certificate is fetched without checking the server (nothing is
     * trusted yet), then checked against the SHA-256 the command carries — the command reaches the operator over the
     * same trusted channel as the token — and only then trusted, for the script's download and by the installer.
     */
    static String installCommand(String url, Tier tier, @Nullable String caSha256) {
        var install = "install.sh | sudo bash -s -- --url " + url + " --tier " + tier.name();
        if (caSha256 == null) {
            return "curl -fsSL " + url + "/" + install;
        }
        var file = ControlPlaneCa.FILE_NAME;
        return "curl -fsSLk -o " + file + " " + url + ControlPlaneCa.PATH + " && echo '" + caSha256 + "  " + file
                + "' | sha256sum -c --quiet - && curl -fsSL --cacert " + file + " " + url + "/" + install
                + " --ca-file " + file;
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

    /** The most node ids one application view lists. */
    public static final int MAX_NODE_IDS = 20;

    /** Token counts over all of an application's tokens; {@code :now} decides which unused ones expired. */
    private static final String SELECT = """
            SELECT a.*, t.*,
                   ARRAY(SELECT used_by_node FROM install_tokens
                         WHERE application_id = a.id AND used_at IS NOT NULL AND used_by_node IS NOT NULL
                         ORDER BY used_at DESC, id DESC LIMIT %d) AS node_ids
            FROM applications a
            LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > :now)
                           AS tokens_active,
                       count(*) FILTER (WHERE used_at IS NOT NULL) AS tokens_used,
                       count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at <= :now)
                           AS tokens_expired,
                       count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NOT NULL) AS tokens_revoked,
                       max(expires_at) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > :now)
                           AS active_expires_at,
                       (array_agg(expires_at ORDER BY created_at DESC, id DESC))[1] AS latest_expires_at
                FROM install_tokens WHERE application_id = a.id) t ON TRUE""".formatted(MAX_NODE_IDS);

    private ApplicationView map(ResultSet rs, int row) throws SQLException {
        int active = rs.getInt("tokens_active");
        int used = rs.getInt("tokens_used");
        int expired = rs.getInt("tokens_expired");
        int revoked = rs.getInt("tokens_revoked");
        String tokenState = null;
        if (active > 0) {
            tokenState = "ACTIVE";
        } else if (expired > 0) {
            tokenState = "EXPIRED";
        } else if (used > 0) {
            tokenState = "USED";
        } else if (revoked > 0) {
            tokenState = "REVOKED";
        }
        var tokenExpires = active > 0 ? rs.getTimestamp("active_expires_at") : rs.getTimestamp("latest_expires_at");
        var nodeIdArray = rs.getArray("node_ids");
        List<String> nodeIds = nodeIdArray == null ? List.of() : List.of((String[]) nodeIdArray.getArray());
        var decidedAt = rs.getTimestamp("decided_at");
        var tier = Tier.valueOf(rs.getString("requested_tier"));
        var hardware = new Hardware(rs.getInt("cpu_cores"), rs.getInt("memory_gb"), rs.getInt("disk_gb"),
                rs.getInt("network_mbps"), rs.getBoolean("gpu"));
        return new ApplicationView(
                rs.getObject("id", UUID.class),
                rs.getString("operator_name"),
                rs.getString("email"),
                rs.getString("wallet_address"),
                tier,
                hardware,
                rs.getString("message"),
                ApplicationStatus.valueOf(rs.getString("status")),
                rs.getString("decision_reason"),
                rs.getString("decided_by"),
                decidedAt == null ? null : decidedAt.toInstant(),
                rs.getTimestamp("created_at").toInstant(),
                tokenState,
                tokenExpires == null ? null : tokenExpires.toInstant(),
                nodeIds.isEmpty() ? null : nodeIds.getFirst(),
                active,
                used,
                expired,
                revoked,
                nodeIds,
                HardwareCheck.of(tier, hardware.cpuCores(), hardware.memoryGb(), hardware.diskGb(),
                        hardware.networkMbps()));
    }
}
