package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

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
        assertThat(grid).containsText("reason=not enough disk");
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
}
