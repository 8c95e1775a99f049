package network.noderr.controlplane.beacon;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The transactions this control plane sends to the VersionBeacon and their state (table beacon_transactions). */
@Repository
class BeaconTransactions {

    enum Kind { PUBLISH, ROLLBACK, ROLLOUT_CONFIG }

    /**
     * A write to the beacon. Status: queued, pending, confirmed or failed (see V5). {@code sentAt} is when it went to
     * the chain (null while queued); a queued write is sent long after {@code createdAt}.
     */
    record Row(UUID id, Kind kind, Tier tier, @Nullable String versionString, @Nullable String imageRef,
            @Nullable String imageDigest, @Nullable String configHash, @Nullable String reason, String status,
            @Nullable String txHash, @Nullable Long blockNumber, @Nullable String error, int attempts,
            String createdBy, Instant createdAt, @Nullable Instant sentAt) {}

    private final JdbcClient jdbc;
    private final Clock clock;

    BeaconTransactions(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    UUID insert(BeaconChain chain, Kind kind, Tier tier, @Nullable String version, @Nullable String imageRef,
            @Nullable String digest, @Nullable String configHash, @Nullable String reason, String status,
            @Nullable String txHash, String createdBy) {
        return jdbc.sql("""
                        INSERT INTO beacon_transactions (chain_id, contract_address, kind, tier, version_string,
                            image_ref, image_digest, config_hash, reason, status, tx_hash, attempts, created_by,
                            created_at, updated_at, sent_at)
                        VALUES (:chain, :contract, :kind, :tier, :version, :image, :digest, :config, :reason, :status,
                            :tx, :attempts, :by, :now, :now, :sent)
                        RETURNING id""")
                .param("chain", chain.chainId())
                .param("contract", chain.contractAddress())
                .param("kind", kind.name())
                .param("tier", tier.name())
                .param("version", version)
                .param("image", imageRef)
                .param("digest", digest)
                .param("config", configHash)
                .param("reason", reason)
                .param("status", status)
                .param("tx", txHash)
                .param("attempts", txHash == null ? 0 : 1)
                .param("sent", txHash == null ? null : Timestamp.from(clock.instant()))
                .param("by", createdBy)
                .param("now", Timestamp.from(clock.instant()))
                .query(UUID.class)
                .single();
    }

    Optional<Row> byHash(String txHash) {
        return jdbc.sql("SELECT * FROM beacon_transactions WHERE tx_hash = :tx").param("tx", txHash).query(this::row)
                .optional();
    }

    Optional<Row> find(UUID id) {
        return jdbc.sql("SELECT * FROM beacon_transactions WHERE id = :id").param("id", id).query(this::row)
                .optional();
    }

    List<Row> withStatus(BeaconChain chain, String status) {
        return jdbc.sql("""
                        SELECT * FROM beacon_transactions
                        WHERE chain_id = :chain AND contract_address = :contract AND status = :status
                        ORDER BY created_at""")
                .param("chain", chain.chainId())
                .param("contract", chain.contractAddress())
                .param("status", status)
                .query(this::row)
                .list();
    }

    /** Open (queued or pending) writes of a kind for a tier. */
    boolean hasOpen(BeaconChain chain, Kind kind, Tier tier) {
        return jdbc.sql("""
                        SELECT count(*) FROM beacon_transactions
                        WHERE chain_id = :chain AND contract_address = :contract AND kind = :kind AND tier = :tier
                          AND status IN ('queued', 'pending')""")
                .param("chain", chain.chainId())
                .param("contract", chain.contractAddress())
                .param("kind", kind.name())
                .param("tier", tier.name())
                .query(Long.class)
                .single() > 0;
    }

    List<Row> recent(BeaconChain chain, Kind kind, @Nullable Tier tier, int limit) {
        return jdbc.sql("""
                        SELECT * FROM beacon_transactions
                        WHERE chain_id = :chain AND contract_address = :contract AND kind = :kind
                          AND (CAST(:tier AS VARCHAR) IS NULL OR tier = :tier)
                        ORDER BY created_at DESC LIMIT :limit""")
                .param("chain", chain.chainId())
                .param("contract", chain.contractAddress())
                .param("kind", kind.name())
                .param("tier", tier == null ? null : tier.name())
                .param("limit", limit)
                .query(this::row)
                .list();
    }

    /** A queued write went to the chain now: pending, and its mining deadline counts from now. */
    void sent(UUID id, String txHash) {
        jdbc.sql("""
                        UPDATE beacon_transactions SET status = 'pending', tx_hash = :tx, attempts = attempts + 1,
                            error = NULL, updated_at = :now, sent_at = :now
                        WHERE id = :id""")
                .param("tx", txHash)
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
    }

    void attemptFailed(UUID id, String error) {
        jdbc.sql("UPDATE beacon_transactions SET attempts = attempts + 1, error = :error, updated_at = :now WHERE id = :id")
                .param("error", truncate(error))
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
    }

    void confirmed(String txHash, long block) {
        jdbc.sql("""
                        UPDATE beacon_transactions SET status = 'confirmed', block_number = :block, error = NULL,
                            updated_at = :now
                        WHERE tx_hash = :tx AND status <> 'confirmed'""")
                .param("block", block)
                .param("now", Timestamp.from(clock.instant()))
                .param("tx", txHash)
                .update();
    }

    void failed(UUID id, @Nullable Long block, String error) {
        jdbc.sql("""
                        UPDATE beacon_transactions SET status = 'failed', block_number = :block, error = :error,
                            updated_at = :now
                        WHERE id = :id AND status IN ('queued', 'pending')""")
                .param("block", block)
                .param("error", truncate(error))
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
    }

    private static String truncate(String text) {
        return text.length() > 1000 ? text.substring(0, 1000) : text;
    }

    private Row row(ResultSet rs, int i) throws SQLException {
        long block = rs.getLong("block_number");
        Long blockNumber = rs.wasNull() ? null : block;
        var sent = rs.getTimestamp("sent_at");
        return new Row(rs.getObject("id", UUID.class), Kind.valueOf(rs.getString("kind")),
                Tier.valueOf(rs.getString("tier")), rs.getString("version_string"), rs.getString("image_ref"),
                rs.getString("image_digest"), rs.getString("config_hash"), rs.getString("reason"),
                rs.getString("status"), rs.getString("tx_hash"), blockNumber, rs.getString("error"),
                rs.getInt("attempts"), rs.getString("created_by"), rs.getTimestamp("created_at").toInstant(),
                sent == null ? null : sent.toInstant());
    }
}
