package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.AriaRole;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An alert Alertmanager delivers to the webhook appears in the Alerts screen in real Chromium; a release manager
 * acknowledges it (recorded in the audit log); a viewer sees it without the button.
 */
@IntegrationTest
class AlertsIT {

    static final String SECRET = "test-alert-webhook-secret-0123456789";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    JdbcClient jdbc;

    Page page;

    @AfterEach
    void close() {
        if (page != null) {
            page.context().close();
        }
    }

    private void logInAs(String username, Role role) {
        page = Browsers.openAs(users, port, username, role, "Alerts");
    }

    @Test
    void aDeliveredAlertIsListedAndAcknowledged() {
        var node = "node-alerts-" + UUID.randomUUID().toString().substring(0, 8);
        var delivered = new ApiClient(port).post("/api/v1/alerts", Map.of("version", "4", "status", "firing",
                "alerts", List.of(Map.of("status", "firing",
                        "labels", Map.of("alertname", "UpdateFailed", "severity", "critical", "tier", "ORACLE",
                                "node_id", node),
                        "annotations", Map.of("summary", "Update failed on node " + node),
                        "startsAt", java.time.Instant.now().minusSeconds(90).toString(),
                        "fingerprint", UUID.randomUUID().toString().substring(0, 16)))), SECRET);
        org.assertj.core.api.Assertions.assertThat(delivered.status()).isEqualTo(200);

        logInAs("alerts-viewer-browser", Role.VIEWER);
        var row = page.getByTestId("alert").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText(node));
        assertThat(row).hasAttribute("data-status", "firing");
        assertThat(row).containsText("Update failed on node " + node);
        assertThat(row.getByRole(AriaRole.BUTTON)).hasCount(0);
        page.context().close();

        logInAs("alerts-manager-browser", Role.RELEASE_MANAGER);
        row = page.getByTestId("alert").filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText(node));
        assertThat(row).containsText("critical");
        Browsers.screenshot(page, "alerts-firing");
        row.getByRole(AriaRole.BUTTON, new com.microsoft.playwright.Locator.GetByRoleOptions()
                .setName("Acknowledge")).click();
        assertThat(row.getByTestId("acknowledged")).containsText("acknowledged by alerts-manager-browser");
        assertThat(row.getByRole(AriaRole.BUTTON)).hasCount(0);
        Browsers.screenshot(page, "alerts-acknowledged");
        org.assertj.core.api.Assertions.assertThat(jdbc.sql("SELECT count(*) FROM audit_log "
                + "WHERE actor = 'alerts-manager-browser' AND action = 'AlertsService.acknowledge' "
                + "AND outcome = 'success'").query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void aFailedLoadShowsAnErrorStateAndTryAgainRecovers() {
        var failing = new AtomicBoolean(true);
        logInAs("alerts-error-viewer", Role.VIEWER);
        // Stands for a server error: the alerts call fails with HTTP 500 until released.
        page.route("**/connect/AlertsService/list", route -> {
            if (failing.get()) {
                route.fulfill(new Route.FulfillOptions().setStatus(500).setContentType("application/json")
                        .setBody("{\"type\":\"java.lang.IllegalStateException\",\"message\":\"Database unavailable\"}"));
            } else {
                route.resume();
            }
        });
        page.navigate("http://localhost:" + port + "/alerts");
        var error = page.getByTestId("alerts-error");
        assertThat(error).containsText("The alerts could not be loaded");
        assertThat(page.getByTestId("alerts-empty")).hasCount(0);
        Browsers.screenshot(page, "alerts-error");

        failing.set(false);
        error.getByRole(AriaRole.BUTTON, new com.microsoft.playwright.Locator.GetByRoleOptions().setName("Try again"))
                .click();
        assertThat(page.getByTestId("alerts-error")).hasCount(0);
        assertThat(page.getByTestId("alerts-loading")).hasCount(0);
    }
}
