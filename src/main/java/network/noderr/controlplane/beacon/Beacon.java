package network.noderr.controlplane.beacon;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.Approvals;
import network.noderr.controlplane.beacon.BeaconTransactions.Kind;
import network.noderr.controlplane.nodes.NodeRegistry;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import network.noderr.controlplane.shared.Versions;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The beacon's use cases for the management API and the Releases screen: publish a release (a transaction tracked
 * pending → confirmed/failed; the indexer starts its rollout once it is on-chain), set a tier's rollout config,
 * and read releases, tiers and chain status. Reads come from the indexed mirror, so they keep working, flagged
 * stale, while the chain cannot be reached; writes are then refused with a clear error.
 */
@Service
public class Beacon {

    private static final Logger log = LoggerFactory.getLogger(Beacon.class);

    private final BeaconConnection connection;
    private final BeaconWrites writes;
    private final BeaconTransactions transactions;
    private final BeaconIndexer indexer;
    private final BeaconStatus status;
    private final Rollouts rollouts;
    private final JdbcClient jdbc;
    private final BeaconJobs jobs;
    private final Approvals approvals;
    private final NodeRegistry registry;

    Beacon(BeaconConnection connection, BeaconWrites writes, BeaconTransactions transactions, BeaconIndexer indexer,
            BeaconStatus status, Rollouts rollouts, JdbcClient jdbc, BeaconJobs jobs, Approvals approvals,
            NodeRegistry registry) {
        this.registry = registry;
        this.jobs = jobs;
        this.approvals = approvals;
        this.connection = connection;
        this.writes = writes;
        this.transactions = transactions;
        this.indexer = indexer;
        this.status = status;
        this.rollouts = rollouts;
        this.jdbc = jdbc;
    }

    /**
     * A release manager's publish: sent at once, or, when the tier's two-person rule is on, held as a pending
     * approval (checked now, run when a second person approves).
     */
    public PublishOutcome requestPublish(ReleaseRequest request, String actor) {
        if (approvals.required(request.tier())) {
            // A downgrade is said in the request, so that the second person sees it before approving.
            var note = downgrade(request.tier(), request.versionString())
                    .map(d -> "A downgrade: " + d.describe() + ".").orElse(null);
            return new PublishOutcome(null, approvals.request(ApprovalRequest.publish(request.tier(),
                    request.versionString(), request.imageRef(), request.imageDigest(), request.configHash(), note),
                    actor));
        }
        return new PublishOutcome(publish(request, actor), null);
    }

    /** Sends the publish transaction; the release's rollout starts when the indexer sees it on-chain. */
    public SubmittedTransaction publish(ReleaseRequest request, String actor) {
        checkPublish(request);
        var tier = request.tier();
        var id = writes.publish(tier, request.versionString(), request.imageRef(), request.imageDigest(),
                request.configHash(), actor);
        var row = transactions.find(id).orElseThrow();
        log.info("Publish of {} {} sent by {}: tx {}", tier, request.versionString(), actor, row.txHash());
        return new SubmittedTransaction(id, row.status(), row.txHash(), tier, row.versionString());
    }

    /** Refuses a publish that cannot go ahead now: a rollout open, a publish pending, the version released. */
    void checkPublish(ReleaseRequest request) {
        var tier = request.tier();
        var open = rollouts.current(tier).filter(r -> !isFinished(r.status()));
        if (open.isPresent()) {
            throw new ProblemException(409, "rollout-in-progress", "A rollout is in progress", "Tier " + tier
                    + " is still rolling out " + open.get().versionString() + ". Let it complete, or abort it, then publish.");
        }
        if (transactions.hasOpen(connection.chain(), Kind.PUBLISH, tier)) {
            throw new ProblemException(409, "publish-pending", "A publish is pending", "Tier " + tier + " has a "
                    + "publish waiting to be mined. Wait for it to be confirmed or fail, then publish again.");
        }
        if (released(tier, request.versionString())) {
            throw new ProblemException(409, "release-exists", "Version already released", tier + " already has "
                    + "version " + request.versionString() + "; publish a new version.");
        }
    }

    /**
     * Whether publishing {@code version} to {@code tier} would move it down: below the tier's current published
     * version or below the highest release version (semantic version) its active nodes run. Empty when it moves
     * nothing down.
     */
    public java.util.Optional<Downgrade> downgrade(Tier tier, String version) {
        var chain = connection.chain();
        var current = jdbc.sql("""
                        SELECT v.version_string FROM beacon_tiers t
                        JOIN beacon_versions v ON v.chain_id = t.chain_id AND v.contract_address = t.contract_address
                            AND v.tier = t.tier AND v.version_id = t.current_version_id
                        WHERE t.chain_id = :chain AND t.contract_address = :c AND t.tier = :tier""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier.name())
                .query(String.class)
                .optional()
                .filter(v -> Versions.isLower(version, v))
                .orElse(null);
        String highest = null;
        long onHighest = 0;
        long above = 0;
        for (var running : registry.runningVersions(tier).entrySet()) {
            // Only release versions have a place in the order: a node that runs nothing yet reports "unknown" (its
            // agent's word for no container), and that is not a version above the tier's first release.
            if (!running.getKey().matches(Versions.PATTERN) || !Versions.isLower(version, running.getKey())) {
                continue;
            }
            above += running.getValue();
            if (highest == null || Versions.isLower(highest, running.getKey())) {
                highest = running.getKey();
                onHighest = running.getValue();
            }
        }
        if (current == null && highest == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Downgrade(tier, version, current, highest, onHighest, above));
    }

    /** Sets a tier's rollout config on-chain (applies to rollouts started afterwards). */
    public SubmittedTransaction setRolloutConfig(Tier tier, RolloutConfigRequest request, String actor) {
        var id = writes.rolloutConfig(tier, request.canaryPercentage(), request.cohortPercentage(),
                request.cohortDelayHours(), actor);
        var row = transactions.find(id).orElseThrow();
        return new SubmittedTransaction(id, row.status(), row.txHash(), tier, null);
    }

    /** Published versions (newest first) with pending and failed publishes, for one tier or all. */
    public List<ReleaseView> releases(@Nullable Tier tier) {
        var chain = connection.chain();
        var rolledBack = rollouts.rolledBackVersions();
        var result = new ArrayList<ReleaseView>(jdbc.sql("""
                        SELECT v.tier, v.version_id, v.version_string, v.image_ref, v.image_digest, v.config_hash,
                            v.tx_hash, v.block_number, v.published_at, t.current_version_id = v.version_id AS current,
                            bt.created_by
                        FROM beacon_versions v
                        LEFT JOIN beacon_tiers t ON t.chain_id = v.chain_id AND t.contract_address = v.contract_address
                            AND t.tier = v.tier
                        LEFT JOIN beacon_transactions bt ON bt.tx_hash = v.tx_hash
                        WHERE v.chain_id = :chain AND v.contract_address = :c
                          AND (CAST(:tier AS VARCHAR) IS NULL OR v.tier = :tier)
                        ORDER BY v.block_number DESC, v.version_id DESC LIMIT 500""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier == null ? null : tier.name())
                .query((rs, i) -> {
                    var releaseTier = Tier.valueOf(rs.getString("tier"));
                    var version = rs.getString("version_string");
                    return new ReleaseView(releaseTier, rs.getLong("version_id"), version, rs.getString("image_ref"),
                            rs.getString("image_digest"), rs.getString("config_hash"), "confirmed",
                            rs.getString("tx_hash"), rs.getLong("block_number"), null, rs.getBoolean("current"),
                            rolledBack.getOrDefault(releaseTier, java.util.Set.of()).contains(version),
                            rs.getString("created_by"), rs.getTimestamp("published_at").toInstant());
                })
                .list());
        for (var row : transactions.recent(chain, Kind.PUBLISH, tier, 100)) {
            if (!row.status().equals("confirmed")) {
                result.add(new ReleaseView(row.tier(), null, java.util.Objects.requireNonNull(row.versionString()),
                        row.imageRef(), row.imageDigest(), row.configHash(), row.status(), row.txHash(),
                        row.blockNumber(), row.error(), false, false, row.createdBy(), row.createdAt()));
            }
        }
        result.sort(Comparator.comparing(ReleaseView::time).reversed());
        return result;
    }

    /** The latest writes this control plane sent to the chain, all kinds, newest first. */
    public List<TransactionView> transactions(int limit) {
        if (limit < 1 || limit > 500) {
            throw new network.noderr.controlplane.shared.InvalidRequestException("limit", "must be 1 to 500");
        }
        var chain = connection.chain();
        return jdbc.sql("""
                        SELECT kind, tier, version_string, reason, status, tx_hash, block_number, error, created_by,
                            created_at, sent_at
                        FROM beacon_transactions WHERE chain_id = :chain AND contract_address = :c
                        ORDER BY created_at DESC LIMIT :limit""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("limit", limit)
                .query((rs, i) -> {
                    long block = rs.getLong("block_number");
                    Long blockNumber = rs.wasNull() ? null : block;
                    return new TransactionView(rs.getString("kind"), Tier.valueOf(rs.getString("tier")),
                            rs.getString("version_string"), rs.getString("reason"), rs.getString("status"),
                            rs.getString("tx_hash"), blockNumber, rs.getString("error"),
                            rs.getString("created_by"), rs.getTimestamp("created_at").toInstant(),
                            java.util.Optional.ofNullable(rs.getTimestamp("sent_at")).map(java.sql.Timestamp::toInstant)
                                    .orElse(null));
                })
                .list();
    }

    /**
     * The chain's status as this replica sees it, with each tier's current version and rollout config, and a
     * rolled-back first release the tier stays on (the chain cannot show it: it has nothing earlier to point at).
     */
    public BeaconStatusView status() {
        var chain = connection.chain();
        var state = status.get();
        return new BeaconStatusView(chain.chainId(), chain.rpcDisplay(), chain.contractAddress(), chain.signer(),
                connection.embedded(), indexer.cursor(), state.headBlock(), connection.confirmations(), state.status(),
                state.staleSince(), state.lastError(), tiers());
    }

    /** Sends any queued writes, settles pending ones and indexes new blocks now (tests and the Releases screen). */
    public int sync() {
        return jobs.runOnce();
    }

    private List<TierView> tiers() {
        var chain = connection.chain();
        var list = new ArrayList<TierView>();
        for (var tier : Tier.values()) {
            boolean twoPerson = approvals.required(tier);
            var rolledBack = rollouts.stayingOnRolledBack(tier).orElse(null);
            var open = rollouts.current(tier).filter(r -> !isFinished(r.status()))
                    .map(r -> new TierRollout(r.id(), r.versionString(), r.status(), r.phase(), r.phaseMessage(),
                            r.updatedNodes(), r.totalNodes()))
                    .orElse(null);
            list.add(jdbc.sql("""
                            SELECT t.current_version_id, v.version_string, v.image_digest, t.canary_percentage,
                                t.cohort_percentage, t.cohort_delay_hours
                            FROM beacon_tiers t
                            LEFT JOIN beacon_versions v ON v.chain_id = t.chain_id
                                AND v.contract_address = t.contract_address AND v.tier = t.tier
                                AND v.version_id = t.current_version_id
                            WHERE t.chain_id = :chain AND t.contract_address = :c AND t.tier = :tier""")
                    .param("chain", chain.chainId())
                    .param("c", chain.contractAddress())
                    .param("tier", tier.name())
                    .query((rs, i) -> {
                        long id = rs.getLong(1);
                        Long current = rs.wasNull() ? null : id;
                        return new TierView(tier, current, rs.getString(2), rs.getString(3), rs.getInt(4), rs.getInt(5),
                                rs.getInt(6), twoPerson, rolledBack, open);
                    })
                    .optional()
                    .orElse(new TierView(tier, null, null, null, 5, 25, 24, twoPerson, rolledBack, open)));
        }
        return list;
    }

    private boolean released(Tier tier, String version) {
        return jdbc.sql("SELECT count(*) FROM releases WHERE tier = :tier AND version_string = :v")
                .param("tier", tier.name())
                .param("v", version)
                .query(Long.class)
                .single() > 0;
    }

    private static boolean isFinished(String status) {
        return status.equals("completed") || status.equals("rolled_back") || status.equals("aborted");
    }
}
