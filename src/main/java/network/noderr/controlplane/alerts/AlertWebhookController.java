package network.noderr.controlplane.alerts;

import jakarta.validation.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/alerts}: Alertmanager's webhook (DESIGN §3), authenticated by a shared secret sent as
 * {@code Authorization: Bearer <secret>} ({@code noderr.alerts.webhook-secret}), which the webhook's security chain
 * checks before the body is read. Without a configured secret the webhook refuses everything.
 */
@RestController
class AlertWebhookController {

    private static final Logger log = LoggerFactory.getLogger(AlertWebhookController.class);

    /** {@code truncated}: alerts of the group Alertmanager did not send (its {@code truncatedAlerts}). */
    record Received(int received, int created, int truncated) {}

    private final Alerts alerts;

    AlertWebhookController(Alerts alerts) {
        this.alerts = alerts;
    }

    @PostMapping("/api/v1/alerts")
    Received receive(@Valid @RequestBody AlertmanagerPayload payload) {
        int truncated = payload.truncatedAlerts() == null ? 0 : payload.truncatedAlerts();
        if (truncated > 0) {
            log.warn("Alertmanager left {} alerts out of group {} (max_alerts): they are not stored. Raise max_alerts "
                    + "in alertmanager.yml, up to 1000.", truncated, payload.groupKey());
        }
        return new Received(payload.alerts().size(), alerts.record(payload), truncated);
    }
}
