package network.noderr.controlplane.beacon;

import java.time.Clock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import network.noderr.controlplane.shared.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The beacon's background step, on one replica at a time: send queued writes, settle pending ones (reverted, or
 * not mined within the timeout counted from when it was sent → failed; mined ones are confirmed by the indexer),
 * then index new blocks. A chain that cannot be reached marks the status stale and the step is tried again next
 * time.
 */
@Component
class BeaconJobs {

    private static final Logger log = LoggerFactory.getLogger(BeaconJobs.class);

    private final BeaconConnection connection;
    private final BeaconTransactions transactions;
    private final BeaconWrites writes;
    private final BeaconIndexer indexer;
    private final BeaconStatus status;
    private final BeaconProperties properties;
    private final Clock clock;

    BeaconJobs(BeaconConnection connection, BeaconTransactions transactions, BeaconWrites writes,
            BeaconIndexer indexer, BeaconStatus status, BeaconProperties properties, Clock clock) {
        this.connection = connection;
        this.transactions = transactions;
        this.writes = writes;
        this.indexer = indexer;
        this.status = status;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${noderr.beacon.poll-interval:2s}", initialDelay = 0)
    @SchedulerLock(name = "beacon", lockAtMostFor = "PT5M")
    void scheduled() {
        runOnce();
    }

    /**
     * One full step; returns the number of newly indexed events. Also called directly (tests, "sync now"); the
     * monitor keeps such a call and the scheduled one apart on this replica, ShedLock across replicas.
     */
    synchronized int runOnce() {
        try {
            long head = connection.chain().headBlock();
            status.ok(head);
            sendQueued();
            settlePending();
            head = connection.chain().headBlock(); // include what was just sent
            int added = 0;
            long safe = head - connection.confirmations();
            while (indexer.cursor() < safe) {
                added += indexer.step(head);
            }
            return added;
        } catch (ChainUnavailableException e) {
            status.failed(e);
            return 0;
        }
    }

    private void sendQueued() {
        for (var row : transactions.withStatus(connection.chain(), "queued")) {
            try {
                writes.sendQueued(row);
                log.info("Queued {} of {} to {} sent", row.kind(), row.tier(), row.versionString());
            } catch (ChainUnavailableException e) {
                transactions.attemptFailed(row.id(), e.getMessage());
                throw e;
            } catch (ProblemException e) {
                transactions.failed(row.id(), null, e.getMessage());
                log.warn("Queued {} of {} to {} refused: {}", row.kind(), row.tier(), row.versionString(),
                        e.getMessage());
            }
        }
    }

    private void settlePending() {
        var chain = connection.chain();
        for (var row : transactions.withStatus(chain, "pending")) {
            var hash = row.txHash();
            if (hash == null) {
                continue;
            }
            var receipt = chain.receipt(hash);
            if (receipt.isPresent() && !receipt.get().isStatusOK()) {
                var failure = chain.failureOf(receipt.get());
                transactions.failed(row.id(), receipt.get().getBlockNumber().longValueExact(), failure.message());
                log.warn("{} of {} {} failed on-chain: {}", row.kind(), row.tier(), row.versionString(),
                        failure.message());
            } else if (receipt.isEmpty() && sentAt(row).plus(properties.transactionTimeout())
                    .isBefore(clock.instant())) {
                transactions.failed(row.id(), null, "Not mined within " + properties.transactionTimeout().toSeconds()
                        + " s (dropped by the chain?). Publish again if it is still wanted.");
            }
        }
    }

    /** The mining deadline counts from the send: a queued write may have waited long for the chain before it. */
    private static java.time.Instant sentAt(BeaconTransactions.Row row) {
        return java.util.Objects.requireNonNullElse(row.sentAt(), row.createdAt());
    }
}
