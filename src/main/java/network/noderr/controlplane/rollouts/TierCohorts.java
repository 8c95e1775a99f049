package network.noderr.controlplane.rollouts;

import java.util.Arrays;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.shared.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps {@code node_versions.cohort} equal to {@link CohortAssignment#cohortOf} of the node's bucket under its tier's
 * cohort config: the config of the tier's current rollout (unfinished, else latest), or the default split when the
 * tier has none. The registry's cohort filter, its columns and the Prometheus labels read this column; the rollout
 * engine itself (version answers, cohort counts, automatic rollback) maps buckets with the rollout's config when it
 * reads, so it never depends on this copy being fresh.
 *
 * <p>A node registering gets its cohort by the current config. A rollout start re-assigns its tier after it commits,
 * in batches of {@value #BATCH} nodes, each its own short transaction, so no node's row stays locked for long at
 * 100,000 nodes; each batch reads the config afresh, so a later start always wins. Start-up re-assigns every tier,
 * and one replica checks every tier every {@code noderr.rollouts.cohort-check-interval}: either finishes a
 * re-assignment a replica left half done when it stopped, without waiting for the next restart.
 */
@Component
public class TierCohorts {

    private static final Logger log = LoggerFactory.getLogger(TierCohorts.class);
    static final int BATCH = 5_000;

    private final JdbcClient jdbc;
    private final RolloutRepository repository;
    private final TransactionTemplate transactions;

    TierCohorts(JdbcClient jdbc, RolloutRepository repository, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.repository = repository;
        this.transactions = new TransactionTemplate(transactionManager);
        // Runs after a rollout start's commit, while that transaction's resources are still bound: its own.
        this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * The cohort of a node joining the tier, by the tier's current config. Call inside the registration's
     * transaction: it holds off a rollout start on the tier until that transaction ends, so the re-assignment after
     * the start sees the new node.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Cohort forNewNode(Tier tier, int bucket) {
        lockShared(tier);
        return CohortAssignment.cohortOf(bucket, config(tier));
    }

    /** The config that places a tier's nodes now. */
    RolloutConfig config(Tier tier) {
        return repository.currentForTier(tier).map(s -> s.rollout().config()).orElse(RolloutConfig.DEFAULT);
    }

    /** Re-assigns the tier once the current transaction commits (at once when there is none). */
    void reassignAfterCommit(Tier tier) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    reassign(tier);
                }
            });
        } else {
            reassign(tier);
        }
    }

    /** Finishes a re-assignment that a replica which stopped mid-way left half done (one replica at a time). */
    @Scheduled(fixedDelayString = "${noderr.rollouts.cohort-check-interval:PT10M}", initialDelayString = "PT1M")
    @SchedulerLock(name = "tier-cohorts", lockAtMostFor = "PT30M")
    void check() {
        reassignAllTiers();
    }

    @EventListener(ApplicationReadyEvent.class)
    void reassignAllTiers() {
        for (var tier : Tier.values()) {
            reassign(tier);
        }
    }

    /**
     * Brings every node of the tier to its cohort under the tier's current config, batch by batch.
     *
     * @return how many nodes changed cohort
     */
    int reassign(Tier tier) {
        int total = 0;
        int moved;
        do {
            moved = java.util.Objects.requireNonNull(transactions.execute(status -> {
                lockShared(tier);
                return reassignBatch(tier, config(tier), BATCH);
            }));
            total += moved;
        } while (moved == BATCH);
        if (total > 0) {
            log.info("{} nodes of {} moved to their cohort under the tier's rollout config", total, tier);
        }
        return total;
    }

    /**
     * Moves up to {@code limit} nodes of the tier whose stored cohort is not their bucket's under {@code config}. The
     * Java function maps each of the 100 buckets to a cohort; the database only applies that table, and writes only
     * rows whose cohort changes.
     *
     * @return how many nodes changed cohort (fewer than {@code limit}: the tier is done)
     */
    int reassignBatch(Tier tier, RolloutConfig config, int limit) {
        return jdbc.sql("""
                        UPDATE node_versions SET cohort = (CAST(:table AS text[]))[bucket + 1]
                        WHERE node_id IN (
                            SELECT node_id FROM node_versions
                            WHERE tier = :tier AND bucket IS NOT NULL
                                AND cohort <> (CAST(:table AS text[]))[bucket + 1]
                            LIMIT :limit)""")
                .param("table", table(config))
                .param("tier", tier.name())
                .param("limit", limit)
                .update();
    }

    /** The tier's rollout lock, shared: registrations and re-assignment batches run together, a rollout start waits. */
    private void lockShared(Tier tier) {
        jdbc.sql("SELECT pg_advisory_xact_lock_shared(hashtext('noderr.rollouts.' || :tier))")
                .param("tier", tier.name())
                .query((rs, i) -> 1)
                .list();
    }

    /** The cohort of each bucket 0-99 under a config, as a PostgreSQL array literal. */
    static String table(RolloutConfig config) {
        var names = new String[100];
        for (int bucket = 0; bucket < 100; bucket++) {
            names[bucket] = CohortAssignment.cohortOf(bucket, config).wireName();
        }
        return "{" + String.join(",", Arrays.asList(names)) + "}";
    }
}
