package network.noderr.controlplane.alerts;

import jakarta.validation.Valid;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import network.noderr.controlplane.shared.ProblemException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/alerts}: Alertmanager's webhook (DESIGN §3), authenticated by a shared secret sent as
 * {@code Authorization: Bearer <secret>} ({@code noderr.alerts.webhook-secret}). Without a configured secret the
 * webhook refuses everything.
 */
@RestController
class AlertWebhookController {

    private static final Logger log = LoggerFactory.getLogger(AlertWebhookController.class);

    /** {@code truncated}: alerts of the group Alertmanager did not send (its {@code truncatedAlerts}). */
    record Received(int received, int created, int truncated) {}

    private final Alerts alerts;
    private final byte[] secret;

    AlertWebhookController(Alerts alerts, @Value("${noderr.alerts.webhook-secret:}") String secret) {
        this.alerts = alerts;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    @PostMapping("/api/v1/alerts")
    Received receive(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) @Nullable String authorization,
            @Valid @RequestBody AlertmanagerPayload payload) {
        if (secret.length == 0) {
            throw new ProblemException(401, "alerts-webhook-disabled", "Alert webhook not configured",
                    "Set noderr.alerts.webhook-secret (NODERR_ALERTS_WEBHOOK_SECRET) and give Alertmanager the same "
                            + "secret (docs/operations.md).");
        }
        var given = authorization != null && authorization.startsWith("Bearer ")
                ? authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, secret)) {
            throw new ProblemException(401, "unauthorized", "Wrong webhook secret",
                    "Send the shared secret as 'Authorization: Bearer <secret>' (Alertmanager: http_config."
                            + "authorization.credentials_file).");
        }
        int truncated = payload.truncatedAlerts() == null ? 0 : payload.truncatedAlerts();
        if (truncated > 0) {
            log.warn("Alertmanager left {} alerts out of group {} (max_alerts): they are not stored. Raise max_alerts "
                    + "in alertmanager.yml, up to 1000.", truncated, payload.groupKey());
        }
        return new Received(payload.alerts().size(), alerts.record(payload), truncated);
    }
}
