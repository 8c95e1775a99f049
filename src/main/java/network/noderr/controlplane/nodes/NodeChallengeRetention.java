package network.noderr.controlplane.nodes;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import network.noderr.controlplane.shared.BatchedDelete;
import java.time.Instant;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes login challenges an hour after they expire, in small batches, every 10 minutes, on one replica. Every node
 * login issues a challenge (agents log in about every 15 minutes), so without this the table grows by ~96 rows per
 * node per day. The hour's margin keeps the "nonce-expired" answer for a late signature; after it the nonce is
 * reported as unknown, which is equally safe because an expired nonce is never accepted.
 */
@Component
class NodeChallengeRetention {

    private static final Logger log = LoggerFactory.getLogger(NodeChallengeRetention.class);

    static final Duration MARGIN = Duration.ofHours(1);
    private static final int BATCH = 10_000;

    private final JdbcClient jdbc;
    private final Clock clock;

    NodeChallengeRetention(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT2M")
    @SchedulerLock(name = "node-challenge-retention", lockAtMostFor = "PT9M")
    void prune() {
        long deleted = pruneExpiredBefore(clock.instant().minus(MARGIN));
        if (deleted > 0) {
            log.debug("Deleted {} expired node login challenges", deleted);
        }
    }

    /** Deletes challenges that expired before {@code cutoff}; returns how many. */
    long pruneExpiredBefore(Instant cutoff) {
        return BatchedDelete.delete(jdbc, "node_challenges", "nonce_hash", "expires_at < :cutoff",
                Map.of("cutoff", Timestamp.from(cutoff)), BATCH);
    }
}
