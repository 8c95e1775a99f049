package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.nio.file.Files;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A viewer finds an admin's action in the Audit log screen by its target and downloads it as CSV, in Chromium. */
@IntegrationTest
class AuditIT {

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;

    Page page;

    @AfterEach
    void close() {
        if (page != null) {
            page.context().close();
        }
    }

    @Test
    void aViewerFiltersTheLogAndDownloadsItAsCsv() throws Exception {
        var api = new ApiClient(port);
        var id = api.post("/api/v1/applications", Map.of("operatorName", "Audit Browser", "email",
                "audit-browser@example.org", "walletAddress", "0x" + "cd".repeat(20), "requestedTier", "GUARDIAN",
                "hardware", Map.of("cpuCores", 16, "memoryGb", 64, "diskGb", 2000, "networkMbps", 1000, "gpu", false)))
                .text("applicationId");
        api.post("/api/v1/admin/applications/" + id + "/reject", Map.of("reason", "not enough disk"),
                IntegrationTest.ADMIN_TOKEN);

        page = Browsers.openAs(users, port, "audit-viewer-browser", Role.VIEWER, "Audit log");
        page.getByLabel("Target").fill(id);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
        var grid = page.getByTestId("audit-grid");
        assertThat(grid).containsText("POST /api/v1/admin/applications/{id}/reject");
        assertThat(grid).containsText("admin");
        assertThat(grid).containsText("reason: not enough disk");
        Browsers.screenshot(page, "audit-log");

        var download = page.waitForDownload(() -> page.getByRole(AriaRole.BUTTON,
                new Page.GetByRoleOptions().setName("Download CSV")).click());
        org.assertj.core.api.Assertions.assertThat(download.suggestedFilename()).isEqualTo("noderr-audit.csv");
        var csv = Files.readString(download.path());
        org.assertj.core.api.Assertions.assertThat(csv)
                .startsWith("id,at,actor,actor_kind,action,target,outcome,status,source_address,detail\r\n")
                .contains(",admin,user,POST /api/v1/admin/applications/{id}/reject," + id + ",success,200,");
        org.assertj.core.api.Assertions.assertThat(csv.split("\r\n")).hasSize(2);
    }

    @Test
    void theLogFitsADesktopReadsPlainlyAndKeepsItsFiltersOnReload() {
        var actor = "audit-readable-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        jdbc.sql("""
                INSERT INTO audit_log (at, actor, actor_kind, action, target, outcome, status, source_address, detail)
                VALUES (now(), :actor, 'user', 'ReleasesService.emergencyRollback', 'ORACLE', 'success', null,
                        '0:0:0:0:0:0:0:1', :detail)""").param("actor", actor)
                .param("detail", "{tier=ORACLE, toVersion=1.0.0, reason=" + "settlement adapter crash loop ".repeat(8)
                        + "0x" + "ab".repeat(32) + "}")
                .update();
        page = Browsers.openAs(users, port, "audit-readable-browser", Role.VIEWER, "Audit log");
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        page.getByLabel("Actor").fill(actor);
        page.getByLabel("Actor").press("Enter");
        var grid = page.getByTestId("audit-grid");
        assertThat(grid).containsText("Releases: emergency rollback");
        assertThat(grid).containsText("::1");
        // The recorded fields one per line as "name: value", the hash shortened (all of it in the tooltip).
        assertThat(grid).containsText("toVersion: 1.0.0");
        assertThat(grid).containsText("crash loop 0xababababab…");
        assertThat(grid.locator(".audit-detail").first()).hasAttribute("title",
                java.util.regex.Pattern.compile(".*0x(ab){32}\\}$"));
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*/audit\\?actor=" + actor + "$"));
        org.assertj.core.api.Assertions.assertThat(Browsers.horizontalOverflow(grid))
                .as("Audit log scrolling sideways (px)").isZero();
        Browsers.screenshot(page, "audit-desktop");

        // A reload keeps the filters (they are in the address), and so does a link to it.
        page.reload();
        assertThat(page.getByLabel("Actor")).hasValue(actor);
        assertThat(page.getByTestId("audit-count")).hasText("Showing all 1 matching entries.");
        assertThat(grid).containsText("Releases: emergency rollback");

        // The Action filter matches what the grid shows, in any case, as well as the recorded name.
        var action = page.getByLabel("Action");
        for (var typed : java.util.List.of("Releases: emergency rollback", "emergency ROLLBACK",
                "ReleasesService.emergencyRollback")) {
            // Each time from an empty result, so that the match shown is this filter's.
            action.fill("Releases: publish");
            action.press("Enter");
            assertThat(page.getByTestId("audit-empty")).isVisible();
            action.fill(typed);
            action.press("Enter");
            assertThat(page.getByTestId("audit-count")).hasText("Showing all 1 matching entries.");
            assertThat(grid).containsText("Releases: emergency rollback");
        }
    }

    @Test
    void aViewerPagesToOlderEntriesAndLimitsToATimeRangeWithTheActorInAnyCase() {
        var actor = "Audit-Pager-" + java.util.UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        // 501 entries, one a minute from 2021-06-01T00:00Z (entry-0, the oldest) to entry-500: one more than a page.
        jdbc.sql("""
                INSERT INTO audit_log (at, actor, actor_kind, action, target, outcome)
                SELECT TIMESTAMPTZ '2021-06-01T00:00:00Z' + g * interval '1 minute', :actor, 'user', 'paging test',
                       'entry-' || g, 'success'
                FROM generate_series(0, 500) g ORDER BY g""").param("actor", actor).update();
        var username = "audit-pager-browser";
        if (users.findByUsername(username).isEmpty()) {
            users.create(username, username + "-password", Role.VIEWER);
        }
        // The picker's times are local: the page runs in UTC so that they match the entries above.
        page = Browsers.newPage(new Browser.NewContextOptions().setTimezoneId("UTC"));
        Browsers.logIn(page, port, username, username + "-password");
        Browsers.openScreen(page, "Audit log");

        page.getByLabel("Actor").fill(actor.toLowerCase());
        page.getByLabel("Actor").press("Enter");
        var count = page.getByTestId("audit-count");
        assertThat(count).hasText("Showing the newest 500 matching entries; older ones exist.");
        assertThat(page.getByTestId("audit-grid")).containsText(actor);
        Browsers.screenshot(page, "audit-more");
        var loadOlder = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Load older"));
        loadOlder.click();
        assertThat(count).hasText("Showing all 501 matching entries.");
        assertThat(loadOlder).hasCount(0);

        // From 01:00 (inclusive) to 01:10 (exclusive): entry-60 to entry-69.
        page.getByTestId("audit-from").evaluate("(picker, value) => picker.value = value", "2021-06-01T01:00");
        page.getByTestId("audit-to").evaluate("(picker, value) => picker.value = value", "2021-06-01T01:10");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
        assertThat(count).hasText("Showing all 10 matching entries.");
        var grid = page.getByTestId("audit-grid");
        assertThat(grid).containsText("entry-69");
        assertThat(grid).containsText("entry-60");
        assertThat(grid).not().containsText("entry-70");
        assertThat(grid).not().containsText("entry-59");

        // A link whose range is empty ("From" after "To") is said at the fields, not shown as a failed load.
        page.navigate("http://localhost:" + port + "/audit?from=2030-01-01T00:00&to=2020-01-01T00:00");
        assertThat(page.getByTestId("audit-empty-range")).containsText("“To” must be after “From”");
        assertThat(page.getByTestId("audit-error")).hasCount(0);
        assertThat(page.getByTestId("audit-to")).hasAttribute("invalid", "");
        assertThat(page.locator("vaadin-notification-card")).hasCount(0);
    }
}
