package network.noderr.controlplane.nodes;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import network.noderr.controlplane.applications.InstallTokens;
import network.noderr.controlplane.nodes.NodeAuthRequests.AccessToken;
import network.noderr.controlplane.nodes.NodeAuthRequests.Challenge;
import network.noderr.controlplane.nodes.NodeAuthRequests.Identity;
import network.noderr.controlplane.nodes.NodeAuthRequests.Registered;
import network.noderr.controlplane.nodes.NodeAuthRequests.Registration;
import network.noderr.controlplane.nodes.NodeAuthRequests.RotateRequest;
import network.noderr.controlplane.nodes.NodeAuthRequests.Rotated;
import network.noderr.controlplane.rollouts.TierCohorts;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.security.NodeAuthProperties;
import network.noderr.controlplane.security.NodeStatusLookup;
import network.noderr.controlplane.security.NodeTokens;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import network.noderr.controlplane.shared.Texts;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Node identity: registration with an install token, challenge-response authentication with the node's P-256 key,
 * key rotation, suspension. Nonces are single use and stored hashed; tokens and keys never reach the log.
 */
@Service
public class NodeIdentity implements NodeStatusLookup {

    private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);

    private final JdbcClient jdbc;
    private final InstallTokens installTokens;
    private final NodeTokens nodeTokens;
    private final NodeAuthProperties properties;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final TierCohorts cohorts;
    private final NodeLoginWriter logins;
    private final SecureRandom random = new SecureRandom();

    static final java.time.Duration STATUS_CACHE = java.time.Duration.ofSeconds(5);
    private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> activeCache =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .maximumSize(500_000)
                    .expireAfterWrite(STATUS_CACHE)
                    .build();

    NodeIdentity(JdbcClient jdbc, InstallTokens installTokens, NodeTokens nodeTokens, NodeAuthProperties properties,
            Clock clock, ApplicationEventPublisher events, TierCohorts cohorts, NodeLoginWriter logins) {
        this.jdbc = jdbc;
        this.logins = logins;
        this.cohorts = cohorts;
        this.events = events;
        this.installTokens = installTokens;
        this.nodeTokens = nodeTokens;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Registers a node: consumes the install token and stores the node in one transaction (both or neither). The same
     * request again (same token, same public key) answers with the node it registered: an installer whose answer was
     * lost (a timeout, a proxy's 502) can retry, instead of holding a spent token and a key in use.
     */
    @Transactional
    Registered register(Registration request) {
        var key = NodeKeys.parse(request.publicKey(), "publicKey");
        var earlier = installTokens.usedBy(request.installToken()).flatMap(id -> jdbc.sql("""
                        SELECT node_id, tier FROM nodes WHERE node_id = :id AND public_key = :key""")
                .param("id", id)
                .param("key", key.getEncoded())
                .query((rs, i) -> new Registered(rs.getString("node_id"), Tier.valueOf(rs.getString("tier"))))
                .optional())
                .filter(r -> request.tier() == null || request.tier() == r.tier());
        if (earlier.isPresent()) {
            log.info("Registration of node {} repeated with its install token and key", earlier.get().nodeId());
            return earlier.get();
        }
        var nodeId = "node-" + HexFormat.of().formatHex(randomBytes(8));
        var token = installTokens.consume(request.installToken(), request.tier(), nodeId);
        var hw = request.hardware();
        try {
            jdbc.sql("""
                            INSERT INTO nodes (node_id, tier, application_id, hostname, cpu_cores, memory_gb, disk_gb,
                                network_mbps, gpu, public_key, key_type, registered_at)
                            VALUES (:id, :tier, :app, :host, :cpu, :mem, :disk, :net, :gpu, :key, :keyType, :now)""")
                    .param("id", nodeId)
                    .param("tier", token.tier().name())
                    .param("app", token.applicationId())
                    .param("host", request.hostname())
                    .param("cpu", hw.cpuCores())
                    .param("mem", hw.memoryGb())
                    .param("disk", hw.diskGb())
                    .param("net", hw.networkMbps())
                    .param("gpu", hw.gpu())
                    .param("key", key.getEncoded())
                    .param("keyType", request.keyAttestation().type().name())
                    .param("now", Timestamp.from(clock.instant()))
                    .update();
        } catch (DuplicateKeyException e) {
            // Rolls back the token consumption too: the operator can retry with a fresh key.
            throw keyInUse();
        }
        // The bucket never changes; the cohort is the bucket's under the tier's current rollout config.
        int bucket = CohortAssignment.bucket(nodeId);
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, cohort, bucket)
                        VALUES (:id, :tier, :cohort, :bucket)""")
                .param("id", nodeId)
                .param("tier", token.tier().name())
                .param("cohort", cohorts.forNewNode(token.tier(), bucket).wireName())
                .param("bucket", bucket)
                .update();
        log.info("Registered node {} (tier {}, key {}) for application {}", nodeId, token.tier(),
                request.keyAttestation().type(), token.applicationId());
        events.publishEvent(new NodeChanged(nodeId, NodeChanged.Kind.REGISTERED));
        return new Registered(nodeId, token.tier());
    }

    /**
     * Issues a single-use nonce (≤ 60 s) for the node to sign. Not a transaction of its own: the nonce is written by
     * the {@link NodeLoginWriter}'s group commit (thousands of nodes log in at once), and answered once committed.
     * Whether the node is active comes from the status cache every node request uses; verify checks it again.
     */
    Challenge challenge(String nodeId) {
        if (!isActive(nodeId)) {
            var status = status(nodeId).orElseThrow(() -> new ProblemException(404, "node-unknown", "Unknown node",
                    "No node " + nodeId + " is registered."));
            if (status != NodeStatus.ACTIVE) {
                throw suspended();
            }
            activeCache.invalidate(nodeId); // active after all (reinstated on another replica meanwhile)
        }
        var nonce = randomBytes(32);
        var now = clock.instant();
        var expiresAt = now.plus(properties.challengeTtl());
        logins.write(new NodeLoginWriter.ChallengeIssued(Sha256.hex(nonce), nodeId, now, expiresAt));
        return new Challenge(Base64.getEncoder().encodeToString(nonce), expiresAt);
    }

    /**
     * Checks the node's signature over its nonce and issues an access token. The nonce is spent even when the
     * signature is wrong, so each nonce allows one attempt. One read (the node and its nonce), the signature check,
     * then the spend and the login in one write of the {@link NodeLoginWriter}'s group commit; the token is signed
     * after that, outside any transaction, so no connection is held while the CPU checks and signs.
     */
    AccessToken verify(String nodeId, String nonceBase64, String signatureBase64, @Nullable String address,
            @Nullable Integer metricsPort) {
        var nonce = decode(nonceBase64, "nonce");
        var signature = decode(signatureBase64, "signature");
        var hash = Sha256.hex(nonce);
        var now = clock.instant();
        record Node(Tier tier, NodeStatus status, byte[] publicKey, @Nullable Timestamp usedAt,
                @Nullable Timestamp expiresAt) {}
        var found = jdbc.sql("""
                        SELECT n.tier, n.status, n.public_key, c.used_at, c.expires_at
                        FROM nodes n LEFT JOIN node_challenges c ON c.nonce_hash = :hash AND c.node_id = n.node_id
                        WHERE n.node_id = :id""")
                .param("hash", hash)
                .param("id", nodeId)
                .query((rs, i) -> new Node(
                        Tier.valueOf(rs.getString("tier")),
                        NodeStatus.valueOf(rs.getString("status")),
                        rs.getBytes("public_key"),
                        rs.getTimestamp("used_at"),
                        rs.getTimestamp("expires_at")))
                .optional();
        var node = found.filter(n -> n.expiresAt() != null).orElseThrow(NodeIdentity::nonceUnknown);
        if (node.usedAt() != null) {
            throw nonceReplayed();
        }
        if (!java.util.Objects.requireNonNull(node.expiresAt()).toInstant().isAfter(now)) {
            throw nonceExpired();
        }
        boolean active = node.status() == NodeStatus.ACTIVE;
        boolean signed = active && NodeKeys.verify(
                NodeKeys.parse(Base64.getEncoder().encodeToString(node.publicKey()), "publicKey"), nonce, signature);
        var login = signed ? new NodeLoginWriter.Login(node.publicKey(),
                address == null || address.length() > 45 ? null : address, metricsPort) : null;
        // Spent by a concurrent request with the same nonce, or expired meanwhile: the write decides, the read says why.
        int outcome = logins.write(new NodeLoginWriter.NonceSpent(nodeId, hash, now, login));
        if (outcome == NodeLoginWriter.NOT_SPENT) {
            throw nonceRefused(nodeId, hash);
        }
        if (!active) {
            throw suspended();
        }
        if (!signed) {
            throw signatureInvalid();
        }
        if (outcome != NodeLoginWriter.LOGGED_IN) { // suspended or given another key since the read
            throw status(nodeId).filter(s -> s == NodeStatus.ACTIVE).isPresent() ? signatureInvalid() : suspended();
        }
        var token = nodeTokens.issue(nodeId, node.tier());
        return new AccessToken(token.accessToken(), token.expiresIn(), "Bearer");
    }

    /**
     * Replaces the node's key. Both keys prove possession over a fresh nonce of this node: the new key signs the
     * nonce, the current key signs the nonce followed by the new key (its DER SubjectPublicKeyInfo), so that the
     * node's access token alone (a token that leaked, valid for minutes) cannot move the node to another key for good.
     */
    @Transactional(noRollbackFor = ProblemException.class)
    Rotated rotate(String nodeId, RotateRequest request) {
        var newKey = NodeKeys.parse(request.newPublicKey(), "newPublicKey");
        var nonce = decode(request.nonce(), "nonce");
        var byNewKey = decode(request.signatureByNewKey(), "signatureByNewKey");
        var byCurrentKey = decode(request.signatureByCurrentKey(), "signatureByCurrentKey");
        spendNonce(nodeId, nonce);
        if (!NodeKeys.verify(newKey, nonce, byNewKey)) {
            throw new ProblemException(401, "signature-invalid", "Invalid signature",
                    "signatureByNewKey must be the new key's ECDSA-SHA256 signature over the nonce.");
        }
        var currentKey = jdbc.sql("SELECT public_key FROM nodes WHERE node_id = :id FOR UPDATE")
                .param("id", nodeId)
                .query(byte[].class)
                .single();
        var signed = java.nio.ByteBuffer.allocate(nonce.length + newKey.getEncoded().length)
                .put(nonce)
                .put(newKey.getEncoded())
                .array();
        if (!NodeKeys.verify(NodeKeys.parse(Base64.getEncoder().encodeToString(currentKey), "publicKey"), signed,
                byCurrentKey)) {
            throw new ProblemException(401, "signature-invalid", "Invalid signature",
                    "signatureByCurrentKey must be the node's current key's ECDSA-SHA256 signature over the nonce "
                            + "bytes followed by the new key's DER SubjectPublicKeyInfo bytes.");
        }
        var now = clock.instant();
        try {
            jdbc.sql("""
                            UPDATE nodes SET public_key = :key, key_rotated_at = :now,
                                key_type = COALESCE(CAST(:keyType AS VARCHAR), key_type)
                            WHERE node_id = :id""")
                    .param("key", newKey.getEncoded())
                    .param("now", Timestamp.from(now))
                    .param("keyType", request.keyAttestation() == null ? null : request.keyAttestation().type().name())
                    .param("id", nodeId)
                    .update();
        } catch (DuplicateKeyException e) {
            throw keyInUse();
        }
        log.info("Rotated the key of node {}", nodeId);
        return new Rotated(nodeId, identity(nodeId).keyType(), now);
    }

    /** Sets ACTIVE or SUSPENDED; returns false when the node does not exist. */
    @Transactional
    public boolean setStatus(String nodeId, NodeStatus status) {
        return setStatus(nodeId, status, null, null, false);
    }

    /** Longest suspension reason kept (the audit log keeps a request's values up to this length too). */
    public static final int MAX_SUSPENSION_REASON = 200;

    /**
     * Suspends the node with a reason, shown in its details while it stays suspended; returns false when the node does
     * not exist. The reason is required: 1 to {@value #MAX_SUSPENSION_REASON} characters on one line.
     */
    @Transactional
    public boolean suspend(String nodeId, @Nullable String reason, String actor) {
        var text = reason == null ? "" : reason.strip();
        if (text.isEmpty() || text.length() > MAX_SUSPENSION_REASON || Texts.hasControlCharacters(text)) {
            throw new InvalidRequestException("reason",
                    "must be 1 to " + MAX_SUSPENSION_REASON + " characters on one line");
        }
        return setStatus(nodeId, NodeStatus.SUSPENDED, text, actor, false);
    }

    /**
     * Suspends the node without a reason (the management API's suspension without a body), keeping who did it. A node
     * already suspended keeps its suspension as it is (reason, who, when): a repeated call, a script's retry or a
     * second admin's, does not wipe the reason given first.
     */
    @Transactional
    public boolean suspendWithoutReason(String nodeId, String actor) {
        return setStatus(nodeId, NodeStatus.SUSPENDED, null, actor, true);
    }

    /**
     * @param keepSuspension a node already suspended keeps its suspension as it is (reason, who, when)
     */
    private boolean setStatus(String nodeId, NodeStatus status, @Nullable String reason, @Nullable String actor,
            boolean keepSuspension) {
        boolean suspending = status == NodeStatus.SUSPENDED;
        var changed = jdbc.sql("""
                        UPDATE nodes SET status = :status,
                            suspension_reason = CASE WHEN :keep AND status = 'SUSPENDED' THEN suspension_reason
                                                     ELSE :reason END,
                            suspended_by = CASE WHEN :keep AND status = 'SUSPENDED' THEN suspended_by ELSE :actor END,
                            suspended_at = CASE WHEN :keep AND status = 'SUSPENDED' THEN suspended_at ELSE :at END
                        WHERE node_id = :id""")
                        .param("status", status.name())
                        .param("keep", keepSuspension)
                        .param("reason", reason)
                        .param("actor", actor)
                        .param("at", suspending ? Timestamp.from(clock.instant()) : null, java.sql.Types.TIMESTAMP)
                        .param("id", nodeId)
                        .update()
                == 1;
        invalidateAfterCommit(nodeId);
        if (changed) {
            events.publishEvent(new NodeChanged(nodeId, status == NodeStatus.ACTIVE ? NodeChanged.Kind.REINSTATED
                    : NodeChanged.Kind.SUSPENDED));
        }
        return changed;
    }

    /**
     * Forgets the node's cached status once the transaction commits: invalidated earlier, a node request between the
     * invalidation and the commit would cache the status from before the change for another {@link #STATUS_CACHE}.
     */
    private void invalidateAfterCommit(String nodeId) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    activeCache.invalidate(nodeId);
                }
            });
        } else {
            activeCache.invalidate(nodeId);
        }
    }

    /**
     * Checked on every node request, so cached briefly: a suspension takes effect at once on this replica and
     * within {@link #STATUS_CACHE} on the others.
     */
    @Override
    public boolean isActive(String nodeId) {
        return activeCache.get(nodeId, id -> status(id).map(s -> s == NodeStatus.ACTIVE).orElse(false));
    }

    @Override
    public java.util.Set<String> active(java.util.Collection<String> nodeIds) {
        if (nodeIds.isEmpty()) {
            return java.util.Set.of();
        }
        return new java.util.HashSet<>(jdbc.sql("SELECT node_id FROM nodes WHERE node_id = ANY(:ids) AND status = :s")
                .param("ids", nodeIds.toArray(String[]::new))
                .param("s", NodeStatus.ACTIVE.name())
                .query(String.class)
                .list());
    }

    @Transactional(readOnly = true)
    Identity identity(String nodeId) {
        return jdbc.sql("SELECT node_id, tier, key_type, status, registered_at FROM nodes WHERE node_id = :id")
                .param("id", nodeId)
                .query((rs, i) -> new Identity(
                        rs.getString("node_id"),
                        Tier.valueOf(rs.getString("tier")),
                        KeyType.valueOf(rs.getString("key_type")),
                        NodeStatus.valueOf(rs.getString("status")),
                        rs.getTimestamp("registered_at").toInstant()))
                .single();
    }

    private Optional<NodeStatus> status(String nodeId) {
        return jdbc.sql("SELECT status FROM nodes WHERE node_id = :id")
                .param("id", nodeId)
                .query((rs, i) -> NodeStatus.valueOf(rs.getString("status")))
                .optional();
    }

    private void spendNonce(String nodeId, byte[] nonce) {
        var hash = Sha256.hex(nonce);
        var now = Timestamp.from(clock.instant());
        int spent = jdbc.sql("""
                        UPDATE node_challenges SET used_at = :now
                        WHERE nonce_hash = :hash AND node_id = :node AND used_at IS NULL AND expires_at > :now""")
                .param("now", now)
                .param("hash", hash)
                .param("node", nodeId)
                .update();
        if (spent != 1) {
            throw nonceRefused(nodeId, hash);
        }
    }

    /** Why the node's nonce could not be spent: unknown (or another node's), used, or expired. */
    private ProblemException nonceRefused(String nodeId, String hash) {
        record State(String nodeId, @Nullable Timestamp usedAt) {}
        var state = jdbc.sql("SELECT node_id, used_at FROM node_challenges WHERE nonce_hash = :hash")
                .param("hash", hash)
                .query((rs, i) -> new State(rs.getString("node_id"), rs.getTimestamp("used_at")))
                .optional();
        if (state.isEmpty() || !state.get().nodeId().equals(nodeId)) {
            return nonceUnknown();
        }
        if (state.get().usedAt() != null) {
            return nonceReplayed();
        }
        return nonceExpired();
    }

    private static ProblemException nonceUnknown() {
        return new ProblemException(401, "nonce-unknown", "Unknown nonce",
                "This nonce was not issued to this node. Request one from /api/v1/auth/challenge.");
    }

    private static ProblemException nonceReplayed() {
        return new ProblemException(401, "nonce-replayed", "Nonce already used",
                "Each nonce can be used once. Request a new one from /api/v1/auth/challenge.");
    }

    private ProblemException nonceExpired() {
        return new ProblemException(401, "nonce-expired", "Nonce expired",
                "Nonces are valid for " + properties.challengeTtl().toSeconds()
                        + " s. Request a new one and sign it right away.");
    }

    private static ProblemException signatureInvalid() {
        return new ProblemException(401, "signature-invalid", "Invalid signature",
                "The signature does not match this node's key. Sign the raw nonce bytes with ECDSA-SHA256 using "
                        + "the node key, and request a new challenge.");
    }

    private static byte[] decode(String base64, String field) {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, "must be base64");
        }
    }

    private byte[] randomBytes(int n) {
        var bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static ProblemException suspended() {
        return new ProblemException(403, "node-suspended", "Node suspended",
                "This node is suspended. Contact the network's administrators.");
    }

    private static ProblemException keyInUse() {
        return new ProblemException(409, "public-key-in-use", "Public key already registered",
                "Another node already uses this public key; every node needs its own key.");
    }

}
