package network.noderr.controlplane.rollouts;

import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Drives rollouts: activates due cohorts through their gates, completes them and rolls back automatically. Runs on
 * one replica at a time (ShedLock on PostgreSQL); each change is also a compare-and-set, so even an overlapping run
 * cannot apply a transition twice. The fleet gauges are refreshed on every replica, since Prometheus scrapes each
 * one: every replica exports the same current, fleet-wide values (the recording rules take one of them).
 */
@Component
class RolloutReconciler {

    private final Rollouts rollouts;
    private final RolloutMetrics metrics;

    RolloutReconciler(Rollouts rollouts, RolloutMetrics metrics) {
        this.rollouts = rollouts;
        this.metrics = metrics;
    }

    @Scheduled(fixedDelayString = "${noderr.rollouts.reconcile-interval:PT10S}", initialDelayString = "PT5S")
    @SchedulerLock(name = "rollout-reconcile", lockAtMostFor = "PT2M")
    void reconcile() {
        rollouts.reconcileAll();
    }

    @Scheduled(fixedDelayString = "${noderr.rollouts.reconcile-interval:PT10S}", initialDelayString = "PT6S")
    void refreshMetrics() {
        metrics.refresh(rollouts);
    }
}
