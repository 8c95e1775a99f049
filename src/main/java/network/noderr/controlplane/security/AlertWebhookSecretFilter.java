package network.noderr.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Alertmanager's webhook ({@code POST /api/v1/alerts}) is authenticated by a shared secret sent as
 * {@code Authorization: Bearer <secret>} ({@code noderr.alerts.webhook-secret}), compared in constant time. Checked
 * here, before the body (up to 2 MiB, and anyone can send one) is read; without a configured secret the webhook
 * refuses everything. Wrong secrets count against their source like refused API tokens ({@link ApiTokenFailures}):
 * a source that used up its budget gets 429 before any check.
 */
class AlertWebhookSecretFilter extends OncePerRequestFilter {

    private final byte[] secret;
    private final ApiTokenFailures failures;
    private final ProblemResponses problems;

    AlertWebhookSecretFilter(String secret, ApiTokenFailures failures, ProblemResponses problems) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.failures = failures;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getMethod().equals("POST");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (secret.length == 0) {
            problems.write(request, response, 401, "alerts-webhook-disabled", "Alert webhook not configured",
                    "Set noderr.alerts.webhook-secret (NODERR_ALERTS_WEBHOOK_SECRET) and give Alertmanager the same "
                            + "secret (docs/operations.md).");
            return;
        }
        var refusal = failures.refusal(request.getRemoteAddr());
        if (refusal.isPresent()) {
            ApiTokenFailureFilter.refuse(request, response, problems, refusal.get());
            return;
        }
        var authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        var given = authorization != null && authorization.startsWith("Bearer ")
                ? authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, secret)) {
            failures.failed(request.getRemoteAddr());
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            problems.write(request, response, 401, "unauthorized", "Wrong webhook secret",
                    "Send the shared secret as 'Authorization: Bearer <secret>' (Alertmanager: http_config."
                            + "authorization.credentials_file).");
            return;
        }
        chain.doFilter(request, response);
    }
}
