package network.noderr.controlplane.beacon;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import network.noderr.controlplane.beacon.BeaconTransactions.Kind;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Sends the control plane's writes to the VersionBeacon. One signer, several replicas: each send holds a PostgreSQL
 * advisory lock so that nonces never collide, and its transaction row commits with its hash.
 */
@Component
class BeaconWrites {

    private final BeaconConnection connection;
    private final BeaconTransactions transactions;
    private final BeaconStatus status;
    private final BeaconProperties properties;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;

    BeaconWrites(BeaconConnection connection, BeaconTransactions transactions, BeaconStatus status,
            BeaconProperties properties, JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock) {
        this.connection = connection;
        this.transactions = transactions;
        this.status = status;
        this.properties = properties;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactionManager);
        this.clock = clock;
    }

    VersionBeacon contract() {
        return connection.chain().contract();
    }

    /** Sends a publish; returns the transaction row (pending). */
    UUID publish(Tier tier, String version, String imageRef, String digest, String configHash, String actor) {
        var call = contract().publishVersion(BeaconTiers.index(tier), version, imageRef,
                BeaconTiers.digestBytes(digest), BeaconTiers.hashBytes(configHash));
        return send(call, BeaconChain.PUBLISH_GAS, hash -> transactions.insert(connection.chain(), Kind.PUBLISH, tier,
                version, imageRef, digest, configHash, null, "pending", hash, actor));
    }

    UUID rolloutConfig(Tier tier, int canary, int cohort, int delayHours, String actor) {
        var call = contract().setRolloutConfig(BeaconTiers.index(tier), BigInteger.valueOf(canary),
                BigInteger.valueOf(cohort), BigInteger.valueOf(delayHours));
        return send(call, BeaconChain.SMALL_WRITE_GAS, hash -> transactions.insert(connection.chain(),
                Kind.ROLLOUT_CONFIG, tier, null, null, null, null, canary + "/" + cohort + "/" + delayHours, "pending",
                hash, actor));
    }

    /** Sends an emergency rollback to a version published on-chain; returns the transaction row (pending). */
    UUID rollback(Tier tier, String version, String reason, String actor) {
        var call = contract().emergencyRollback(BeaconTiers.index(tier), BigInteger.valueOf(onChainId(tier, version)));
        return send(call, BeaconChain.SMALL_WRITE_GAS, hash -> transactions.insert(connection.chain(), Kind.ROLLBACK,
                tier, version, null, null, null, reason, "pending", hash, actor));
    }

    /** Sends a queued rollback (the row exists already). */
    void sendQueued(BeaconTransactions.Row row) {
        var version = Objects.requireNonNull(row.versionString());
        var call = contract().emergencyRollback(BeaconTiers.index(row.tier()),
                BigInteger.valueOf(onChainId(row.tier(), version)));
        send(call, BeaconChain.SMALL_WRITE_GAS, hash -> {
            transactions.sent(row.id(), hash);
            return row.id();
        });
    }

    long onChainId(Tier tier, String version) {
        long id = connection.chain().read(c -> c.versionIdOf(BeaconTiers.index(tier), version)).longValueExact();
        if (id == 0) {
            throw new ProblemException(409, "not-on-chain", "Version not on-chain", tier + " version " + version
                    + " was never published on the VersionBeacon, so the chain cannot point back at it.");
        }
        return id;
    }

    /**
     * Waits until the transaction is mined (the receipt), up to the configured timeout. A reverted transaction is
     * marked failed and its decoded error thrown.
     */
    TransactionReceipt awaitMined(UUID id) {
        var row = transactions.find(id).orElseThrow();
        var hash = Objects.requireNonNull(row.txHash());
        var deadline = clock.instant().plus(properties.transactionTimeout());
        while (true) {
            var receipt = connection.chain().receipt(hash);
            if (receipt.isPresent()) {
                var r = receipt.get();
                if (!r.isStatusOK()) {
                    var failure = connection.chain().failureOf(r);
                    transactions.failed(id, r.getBlockNumber().longValueExact(), failure.message());
                    throw new ChainRevertException(failure);
                }
                return r;
            }
            if (clock.instant().isAfter(deadline)) {
                throw new ProblemException(504, "chain-timeout", "Not mined yet", "Transaction " + hash + " was sent "
                        + "but is not mined after " + properties.transactionTimeout().toSeconds() + " s. It stays "
                        + "pending and takes effect when it is mined; watch it on the Releases screen.");
            }
            sleep(Duration.ofMillis(200));
        }
    }

    private <R> R send(RemoteFunctionCall<TransactionReceipt> call, BigInteger gas, Function<String, R> record) {
        try {
            var result = tx.execute(s -> {
                jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('noderr.beacon.signer'))").query((rs, i) -> 1).list();
                return record.apply(connection.chain().send(call, gas));
            });
            status.ok(status.get().headBlock());
            return Objects.requireNonNull(result);
        } catch (ChainUnavailableException e) {
            status.failed(e);
            throw e;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a transaction", e);
        }
    }
}
