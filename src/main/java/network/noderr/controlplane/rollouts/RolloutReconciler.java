package network.noderr.controlplane.rollouts;

import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Drives rollouts: activates due cohorts through their gates, completes them and rolls back automatically. Runs on
 * one replica at a time (ShedLock on PostgreSQL); each change is also a compare-and-set, so even an overlapping run
 * cannot apply a transition twice.
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
        metrics.refresh(rollouts);
    }
}
