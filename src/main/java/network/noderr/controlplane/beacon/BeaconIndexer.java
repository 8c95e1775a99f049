package network.noderr.controlplane.beacon;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.rollouts.NewRelease;
import network.noderr.controlplane.rollouts.RolloutTransitioned;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.web3j.abi.EventEncoder;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Mirrors the VersionBeacon's events into PostgreSQL and drives the engine from them: a published version starts
 * its rollout, an on-chain emergency rollback rolls the tier back. One step indexes the blocks after the stored
 * cursor up to {@code head - confirmations} (at most {@code maxBlocksPerPoll}); the events, their effects and the new
 * cursor commit in one transaction, and each log is recorded at most once (chain, contract, block, log index), so a
 * restart anywhere loses and duplicates nothing.
 */
@Component
class BeaconIndexer {

    private static final Logger log = LoggerFactory.getLogger(BeaconIndexer.class);

    private static final String VERSION_PUBLISHED = EventEncoder.encode(VersionBeacon.VERSIONPUBLISHED_EVENT);
    private static final String EMERGENCY_ROLLBACK = EventEncoder.encode(VersionBeacon.EMERGENCYROLLBACK_EVENT);
    private static final String CONFIG_UPDATED = EventEncoder.encode(VersionBeacon.ROLLOUTCONFIGUPDATED_EVENT);
    private static final Map<String, String> OTHER_EVENTS = Map.of(
            EventEncoder.encode(VersionBeacon.ROLEGRANTED_EVENT), "RoleGranted",
            EventEncoder.encode(VersionBeacon.ROLEREVOKED_EVENT), "RoleRevoked",
            EventEncoder.encode(VersionBeacon.ROLEADMINCHANGED_EVENT), "RoleAdminChanged");

    private final BeaconConnection connection;
    private final BeaconProperties properties;
    private final BeaconTransactions transactions;
    private final Rollouts rollouts;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    BeaconIndexer(BeaconConnection connection, BeaconProperties properties, BeaconTransactions transactions,
            Rollouts rollouts, JdbcClient jdbc, PlatformTransactionManager transactionManager) {
        this.connection = connection;
        this.properties = properties;
        this.transactions = transactions;
        this.rollouts = rollouts;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactionManager);
    }

    /** The last block indexed, or {@code startBlock - 1} before the first step. */
    long cursor() {
        var chain = connection.chain();
        return jdbc.sql("SELECT last_block FROM beacon_cursor WHERE chain_id = :chain AND contract_address = :c")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .query(Long.class)
                .optional()
                .orElse(connection.startBlock() - 1);
    }

    /**
     * Indexes the next block range. Returns the number of new events (0 when caught up).
     *
     * @param headBlock the chain's current block
     */
    int step(long headBlock) {
        var chain = connection.chain();
        long from = cursor() + 1;
        long safe = headBlock - connection.confirmations();
        if (safe < from) {
            return 0;
        }
        long to = Math.min(safe, from + properties.maxBlocksPerPoll() - 1);
        var logs = chain.logs(from, to);
        return java.util.Objects.requireNonNull(tx.execute(status -> {
            // A send holds this lock from before its broadcast until its row commits: waiting for it here means an
            // event of our own transaction is always attributed to the person (and reason) behind it.
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('noderr.beacon.signer'))").query((rs, i) -> 1).list();
            int added = 0;
            for (var entry : logs) {
                if (record(entry)) {
                    added++;
                }
            }
            advance(from - 1, to);
            return added;
        }));
    }

    private void advance(long expected, long to) {
        var chain = connection.chain();
        int updated = jdbc.sql("""
                        INSERT INTO beacon_cursor (chain_id, contract_address, last_block, updated_at)
                        VALUES (:chain, :c, :to, now())
                        ON CONFLICT (chain_id, contract_address) DO UPDATE SET last_block = :to, updated_at = now()
                        WHERE beacon_cursor.last_block = :expected""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("to", to)
                .param("expected", expected)
                .update();
        if (updated == 0) {
            // Another indexer moved the cursor meanwhile: roll this step back; the next one starts from there.
            throw new IllegalStateException("beacon cursor moved concurrently from " + expected);
        }
    }

    /** Records one log; applies its effect only when it is new. */
    private boolean record(Log entry) {
        var topic = entry.getTopics().isEmpty() ? "" : entry.getTopics().get(0);
        String event;
        @Nullable Tier tier = null;
        @Nullable Long versionId = null;
        String detail;
        Runnable effect;
        if (topic.equals(VERSION_PUBLISHED)) {
            var e = VersionBeacon.getVersionPublishedEventFromLog(entry);
            event = "VersionPublished";
            tier = BeaconTiers.tier(e.tier.intValueExact());
            versionId = e.versionId.longValueExact();
            detail = e.versionString + " " + e.imageRef + " " + BeaconTiers.digestString(e.imageDigest) + " by "
                    + e.publisher;
            var t = tier;
            effect = () -> published(t, e, entry);
        } else if (topic.equals(EMERGENCY_ROLLBACK)) {
            var e = VersionBeacon.getEmergencyRollbackEventFromLog(entry);
            event = "EmergencyRollback";
            tier = BeaconTiers.tier(e.tier.intValueExact());
            versionId = e.toVersionId.longValueExact();
            detail = "from version id " + e.fromVersionId + " to " + e.toVersionId + " by " + e.publisher;
            var t = tier;
            effect = () -> rolledBack(t, e, entry);
        } else if (topic.equals(CONFIG_UPDATED)) {
            var e = VersionBeacon.getRolloutConfigUpdatedEventFromLog(entry);
            event = "RolloutConfigUpdated";
            tier = BeaconTiers.tier(e.tier.intValueExact());
            detail = "canary " + e.canaryPercentage + " %, cohort " + e.cohortPercentage + " %, delay "
                    + e.cohortDelayHours + " h by " + e.admin;
            var t = tier;
            effect = () -> configured(t, e, entry);
        } else {
            event = OTHER_EVENTS.getOrDefault(topic, "Unknown");
            detail = String.join(" ", entry.getTopics());
            effect = () -> {};
        }
        var chain = connection.chain();
        var inserted = jdbc.sql("""
                        INSERT INTO beacon_events (chain_id, contract_address, block_number, log_index, block_hash,
                            tx_hash, event, tier, version_id, detail)
                        VALUES (:chain, :c, :block, :index, :blockHash, :tx, :event, :tier, :vid, :detail)
                        ON CONFLICT (chain_id, contract_address, block_number, log_index) DO NOTHING""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("block", entry.getBlockNumber().longValueExact())
                .param("index", entry.getLogIndex().intValueExact())
                .param("blockHash", entry.getBlockHash())
                .param("tx", entry.getTransactionHash())
                .param("event", event)
                .param("tier", tier == null ? null : tier.name())
                .param("vid", versionId)
                .param("detail", detail.length() > 2000 ? detail.substring(0, 2000) : detail)
                .update() > 0;
        if (inserted) {
            effect.run();
            transactions.confirmed(entry.getTransactionHash(), entry.getBlockNumber().longValueExact());
        }
        return inserted;
    }

    private void published(Tier tier, VersionBeacon.VersionPublishedEventResponse e, Log entry) {
        var chain = connection.chain();
        long block = entry.getBlockNumber().longValueExact();
        var digest = BeaconTiers.digestString(e.imageDigest);
        var configHash = BeaconTiers.hashString(e.configHash);
        jdbc.sql("""
                        INSERT INTO beacon_versions (chain_id, contract_address, tier, version_id, version_string,
                            image_ref, image_digest, config_hash, published_at, publisher, tx_hash, block_number)
                        VALUES (:chain, :c, :tier, :vid, :v, :image, :digest, :config, :at, :publisher, :tx, :block)
                        ON CONFLICT DO NOTHING""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier.name())
                .param("vid", e.versionId.longValueExact())
                .param("v", e.versionString)
                .param("image", e.imageRef)
                .param("digest", digest)
                .param("config", configHash)
                .param("at", Timestamp.from(Instant.ofEpochSecond(e.publishedAt.longValueExact())))
                .param("publisher", e.publisher)
                .param("tx", entry.getTransactionHash())
                .param("block", block)
                .update();
        setCurrent(tier, e.versionId.longValueExact(), block);
        var config = jdbc.sql("""
                        SELECT canary_percentage, cohort_percentage, cohort_delay_hours FROM beacon_tiers
                        WHERE chain_id = :chain AND contract_address = :c AND tier = :tier""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier.name())
                .query((rs, i) -> new RolloutConfig(rs.getInt(1), rs.getInt(2), rs.getInt(3)))
                .optional()
                .orElse(RolloutConfig.DEFAULT);
        var actor = actor(entry.getTransactionHash(), e.publisher);
        var release = new NewRelease(tier, e.versionString, e.imageRef, digest, configHash,
                e.versionId.longValueExact());
        rollouts.startPublished(release, config, actor, entry.getTransactionHash(), block,
                        cause(entry.getTransactionHash()))
                .ifPresent(r -> log.info("{} {} published on-chain (tx {}, block {}): rollout {} started",
                        tier, e.versionString, entry.getTransactionHash(), block, r.id()));
    }

    private void rolledBack(Tier tier, VersionBeacon.EmergencyRollbackEventResponse e, Log entry) {
        var chain = connection.chain();
        setCurrent(tier, e.toVersionId.longValueExact(), entry.getBlockNumber().longValueExact());
        var version = jdbc.sql("""
                        SELECT version_string FROM beacon_versions
                        WHERE chain_id = :chain AND contract_address = :c AND tier = :tier AND version_id = :vid""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier.name())
                .param("vid", e.toVersionId.longValueExact())
                .query(String.class)
                .optional();
        if (version.isEmpty()) {
            log.warn("On-chain rollback of {} to version id {} which is not indexed; ignored", tier, e.toVersionId);
            return;
        }
        var ours = transactions.byHash(entry.getTransactionHash());
        var reason = ours.map(BeaconTransactions.Row::reason).filter(r -> r != null && !r.isBlank())
                .orElse("emergency rollback on-chain by " + e.publisher);
        var actor = actor(entry.getTransactionHash(), e.publisher);
        if (rollouts.current(tier).isEmpty()) {
            // Checked first: an exception out of the transactional call would doom this whole indexing step.
            log.warn("On-chain rollback of {} to {}: the tier has no rollout to roll back", tier, version.get());
            return;
        }
        rollouts.applyRollback(tier, version.get(), reason, actor, cause(entry.getTransactionHash()));
    }

    private void configured(Tier tier, VersionBeacon.RolloutConfigUpdatedEventResponse e, Log entry) {
        var chain = connection.chain();
        jdbc.sql("""
                        INSERT INTO beacon_tiers (chain_id, contract_address, tier, canary_percentage, cohort_percentage,
                            cohort_delay_hours, updated_block)
                        VALUES (:chain, :c, :tier, :canary, :cohort, :delay, :block)
                        ON CONFLICT (chain_id, contract_address, tier) DO UPDATE SET
                            canary_percentage = EXCLUDED.canary_percentage,
                            cohort_percentage = EXCLUDED.cohort_percentage,
                            cohort_delay_hours = EXCLUDED.cohort_delay_hours, updated_block = EXCLUDED.updated_block""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier.name())
                .param("canary", e.canaryPercentage.intValueExact())
                .param("cohort", e.cohortPercentage.intValueExact())
                .param("delay", e.cohortDelayHours.intValueExact())
                .param("block", entry.getBlockNumber().longValueExact())
                .update();
    }

    private void setCurrent(Tier tier, long versionId, long block) {
        var chain = connection.chain();
        jdbc.sql("""
                        INSERT INTO beacon_tiers (chain_id, contract_address, tier, current_version_id, updated_block)
                        VALUES (:chain, :c, :tier, :vid, :block)
                        ON CONFLICT (chain_id, contract_address, tier) DO UPDATE SET
                            current_version_id = EXCLUDED.current_version_id, updated_block = EXCLUDED.updated_block""")
                .param("chain", chain.chainId())
                .param("c", chain.contractAddress())
                .param("tier", tier.name())
                .param("vid", versionId)
                .param("block", block)
                .update();
    }

    /** Who did it: the user behind our own transaction, else the signing address. */
    /**
     * Why the rollouts change for this transaction: one this control plane sent was a person's request or the
     * reconciler's queued automatic rollback (both audited already); anyone else's is the chain's.
     */
    private RolloutTransitioned.Cause cause(String txHash) {
        return transactions.byHash(txHash)
                .map(row -> "reconciler".equals(row.createdBy()) ? RolloutTransitioned.Cause.AUTOMATIC_ROLLBACK
                        : RolloutTransitioned.Cause.REQUEST)
                .orElse(RolloutTransitioned.Cause.CHAIN);
    }

    private String actor(String txHash, String address) {
        Optional<BeaconTransactions.Row> ours = transactions.byHash(txHash);
        return ours.map(BeaconTransactions.Row::createdBy).orElse("chain " + address);
    }
}
