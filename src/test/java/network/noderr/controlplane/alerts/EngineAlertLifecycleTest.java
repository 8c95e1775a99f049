package network.noderr.controlplane.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.overview.OverviewQuery;
import network.noderr.controlplane.rollouts.AutomaticRollback;
import network.noderr.controlplane.rollouts.RollbackDecisionNeeded;
import network.noderr.controlplane.rollouts.RolloutTransitioned;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;

/**
 * The engine's own alerts on real PostgreSQL: an automatic rollback fires a critical alert; acknowledging it resolves
 * it, so the Alerts screen and the Overview's firing count agree and the Overview does not stay red for good. A
 * rollout paused for a decision fires a warning that its rollout moving on resolves.
 */
@IntegrationTest
class EngineAlertLifecycleTest {

    @Autowired
    Alerts alerts;

    @Autowired
    OverviewQuery overview;

    @Autowired
    ApplicationEventPublisher publisher;

    @Autowired
    network.noderr.controlplane.approvals.Approvals approvals;

    @Test
    void anAutomaticRollbackAlertFiresUntilAcknowledgedThenIsResolved() {
        var version = "9." + (System.nanoTime() % 1_000_000) + ".0";
        var firingBefore = alerts.firingCount();
        publisher.publishEvent(new AutomaticRollback(Tier.ORACLE, version, "8.0.0", "error rate 12% > 5%"));
        publisher.publishEvent(new AutomaticRollback(Tier.ORACLE, version, "8.0.0", "error rate 12% > 5%"));

        var fired = engineAlert(version);
        assertThat(fired.status()).isEqualTo("firing");
        assertThat(fired.severity()).isEqualTo("critical");
        assertThat(fired.endsAt()).isNull();
        assertThat(alerts.firingCount()).as("raised twice while firing: one alert").isEqualTo(firingBefore + 1);
        assertThat(awaitOverview(firingBefore + 1).recentAlerts())
                .anySatisfy(a -> assertThat(a.id()).isEqualTo(fired.id()));

        var acked = alerts.acknowledge(fired.id(), "alerts-manager");
        assertThat(acked.acknowledgedBy()).isEqualTo("alerts-manager");
        assertThat(acked.status()).isEqualTo("resolved");
        assertThat(acked.endsAt()).isEqualTo(acked.acknowledgedAt());
        assertThat(alerts.list("firing", 1000)).noneSatisfy(a -> assertThat(a.id()).isEqualTo(fired.id()));
        assertThat(alerts.list("resolved", 1000)).anySatisfy(a -> assertThat(a.id()).isEqualTo(fired.id()));
        assertThat(alerts.firingCount()).isEqualTo(firingBefore);
        assertThat(awaitOverview(firingBefore).firingAlerts()).isEqualTo(firingBefore);

        // The same rollback again after that is a new alert, firing.
        publisher.publishEvent(new AutomaticRollback(Tier.ORACLE, version, "8.0.0", "error rate 12% > 5%"));
        var again = alerts.list("firing", 1000).stream()
                .filter(a -> a.summary() != null && a.summary().contains(version)).toList();
        assertThat(again).hasSize(1);
        assertThat(again.getFirst().id()).isNotEqualTo(fired.id());
        alerts.acknowledge(again.getFirst().id(), "alerts-manager");
    }

    @Test
    void aDecisionAlertIsResolvedWhenItsRolloutMovesOnAndNotBefore() {
        var version = "7." + (System.nanoTime() % 1_000_000) + ".0";
        var rollout = java.util.UUID.randomUUID();
        publisher.publishEvent(new RollbackDecisionNeeded(Tier.ORACLE, version, "paused, no automatic rollback: …"));
        var fired = engineAlert(version);
        assertThat(fired.status()).isEqualTo("firing");

        // Still paused (a promote keeps a paused rollout paused), or another tier's or version's rollout moving on:
        // the decision is still to be made.
        publisher.publishEvent(transition(rollout, Tier.ORACLE, version, "paused"));
        publisher.publishEvent(transition(rollout, Tier.GUARDIAN, version, "active"));
        publisher.publishEvent(transition(rollout, Tier.ORACLE, version + "-rc.1", "active"));
        assertThat(engineAlert(version).status()).isEqualTo("firing");

        // Resumed: decided. The alert is resolved, and nobody acknowledged it.
        publisher.publishEvent(transition(rollout, Tier.ORACLE, version, "active"));
        var resolved = engineAlert(version);
        assertThat(resolved.status()).isEqualTo("resolved");
        assertThat(resolved.endsAt()).isNotNull();
        assertThat(resolved.acknowledgedBy()).isNull();

        // Paused again for a decision later: a new alert, which a rollback (or abort, or completion) resolves too.
        publisher.publishEvent(new RollbackDecisionNeeded(Tier.ORACLE, version, "paused again"));
        var again = alerts.list("firing", 1000).stream()
                .filter(a -> a.summary() != null && a.summary().contains(version)).toList();
        assertThat(again).hasSize(1);
        assertThat(again.getFirst().id()).isNotEqualTo(fired.id());
        publisher.publishEvent(transition(rollout, Tier.ORACLE, version, "rolled_back"));
        assertThat(alerts.list("firing", 1000)).noneSatisfy(a -> assertThat(a.summary()).contains(version));
    }

    private static RolloutTransitioned transition(java.util.UUID rollout, Tier tier, String version, String status) {
        return new RolloutTransitioned(rollout, tier, version, status, status, "alice",
                RolloutTransitioned.Cause.REQUEST);
    }

    @Test
    void aTwoPersonRuleTurnedOffFiresAWarningUntilItIsOnAgain() {
        var admin = "rule-admin-" + System.nanoTime();
        approvals.setRule(Tier.ORACLE, true, admin); // resolves the warning of another test's turning it off, if any
        var firingBefore = alerts.firingCount();
        assertThat(alerts.list(null, 1000)).as("turned on: nothing to report")
                .noneSatisfy(a -> assertThat(a.summary()).contains(admin));
        try {
            approvals.setRule(Tier.ORACLE, false, admin);
            var fired = engineAlert(admin);
            assertThat(fired.name()).isEqualTo("TwoPersonRuleOff");
            assertThat(fired.severity()).isEqualTo("warning");
            assertThat(fired.tier()).isEqualTo("ORACLE");
            assertThat(fired.status()).isEqualTo("firing");
            assertThat(fired.summary()).isEqualTo("The two-person rule for ORACLE was turned off by " + admin
                    + ": one person alone may now publish and roll back ORACLE. Turn it on again, or acknowledge this "
                    + "if it is meant.");
            approvals.setRule(Tier.ORACLE, false, admin);
            assertThat(alerts.firingCount()).as("set off again: the same alert").isEqualTo(firingBefore + 1);

            approvals.setRule(Tier.ORACLE, true, admin);
            var resolved = engineAlert(admin);
            assertThat(resolved.status()).isEqualTo("resolved");
            assertThat(resolved.acknowledgedBy()).as("resolved by the rule, not by a person").isNull();
            assertThat(alerts.firingCount()).isEqualTo(firingBefore);
        } finally {
            approvals.setRule(Tier.ORACLE, false, "test"); // ORACLE's default
            alerts.list("firing", 1000).stream().filter(a -> "TwoPersonRuleOff".equals(a.name()))
                    .forEach(a -> alerts.acknowledge(a.id(), "test"));
        }
    }

    private AlertView engineAlert(String version) {
        var matching = alerts.list(null, 1000).stream()
                .filter(a -> a.source().equals("engine") && a.summary() != null && a.summary().contains(version))
                .toList();
        assertThat(matching).hasSize(1);
        return matching.getFirst();
    }

    private network.noderr.controlplane.overview.Overview awaitOverview(long firing) {
        return Awaitility.await("the overview counts " + firing + " firing alerts")
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(overview::current, o -> o.firingAlerts() == firing);
    }
}
