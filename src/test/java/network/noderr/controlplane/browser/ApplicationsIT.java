package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.regex.Pattern;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** An admin approves an application in real Chromium; the token is shown once and works for registration. */
@IntegrationTest
class ApplicationsIT {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;

    Page page;

    /** Node registered by a test; removed afterwards so other screens' empty states stay true. */
    String createdNode;

    @BeforeEach
    void logIn() {
        page = Browsers.newPage();
        Browsers.logIn(page, port, "admin", IntegrationTest.ADMIN_PASSWORD);
    }

    @AfterEach
    void close() {
        page.context().close();
        if (createdNode != null) {
            jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", createdNode).update();
        }
    }

    @Test
    void adminApprovesAndSeesTheTokenOnlyOnce() {
        var operator = "Browser Operator " + System.nanoTime();
        applications.submit(Onboarding.form(operator, Tier.ORACLE), "127.0.0.1");

        Browsers.openScreen(page, "Applications");
        assertThat(page).hasURL(Pattern.compile(".*/applications$"));
        row(operator).click();
        var details = page.getByLabel("Application details");
        assertThat(details).containsText("ORACLE");
        assertThat(details).containsText("8 cores");
        assertThat(details.getByTestId("hardware-warning")).hasCount(0);
        // Statuses are Lumo badges, in the list and in the details, coloured by what they mean.
        assertBadge(details.getByTestId("status-badge"), "Pending", "badge");
        assertBadge(page.locator("vaadin-grid-cell-content [data-testid=status-badge][data-status=PENDING]").first(),
                "Pending", "badge");
        Browsers.screenshot(page, "application-pending");

        details.getByText("Approve…").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and issue token")).click();

        var dialog = page.getByTestId("install-token-dialog");
        assertThat(dialog).isVisible();
        var token = page.getByTestId("install-token").locator("textarea").inputValue();
        var command = page.getByTestId("install-command").locator("textarea").inputValue();
        // The token has its own copy button, as the command has.
        page.context().grantPermissions(java.util.List.of("clipboard-read", "clipboard-write"));
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy token")).click();
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Token copied"))).isVisible();
        org.assertj.core.api.Assertions.assertThat(page.evaluate("() => navigator.clipboard.readText()"))
                .isEqualTo(token);
        assertThat(token).startsWith("nit_");
        assertThat(command).contains("--tier ORACLE").contains("install.sh").doesNotContain("--token")
                .as("the token is not on the command line").doesNotContain(token);
        assertThat(page.getByTestId("install-token-hint")).containsText("asks for it");
        // The dashboard is open at localhost and no public URL is set: the command's address is this machine's own.
        assertThat(page.getByTestId("install-address-problem")).containsText("the command uses http://localhost:");
        assertThat(page.getByTestId("install-address-problem")).containsText("NODERR_PUBLIC_URL");
        Browsers.screenshot(page, "application-token-once");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();

        assertThat(page.getByTestId("install-token-dialog")).hasCount(0);
        page.reload();
        page.getByLabel("Status").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Approved")).click();
        row(operator).click();
        assertThat(page.getByTestId("application-status")).containsText("Approved by admin");
        assertBadge(page.getByTestId("application-status").getByTestId("status-badge"), "Approved", "badge success");
        assertBadge(page.locator("vaadin-grid-cell-content [data-testid=status-badge][data-status=APPROVED]").first(),
                "Approved", "badge success");
        assertThat(page.getByTestId("token-state")).containsText("active");
        assertThat(page.content()).as("the token is not on the page after a reload").doesNotContain(token);
        // The status filter is in the address: a reload keeps it.
        assertThat(page).hasURL(Pattern.compile(".*/applications\\?status=APPROVED$"));
        page.reload();
        assertThat(row(operator)).isVisible();

        // The token from the screen registers a node, which then shows in the registry with its key type.
        var api = new ApiClient(port);
        var registered = api.post("/api/v1/auth/register",
                Onboarding.registration(token, TestNodeKey.generate(), Tier.ORACLE));
        assertThat(registered.status()).isEqualTo(201);
        var nodeId = registered.text("nodeId");
        createdNode = nodeId;
        page.navigate("http://localhost:" + port + "/nodes");
        page.getByLabel("Search").fill(nodeId);
        assertThat(page.getByTestId("node-count")).hasText("1 node");
        var row = page.locator("vaadin-grid-cell-content");
        assertThat(row.getByText(nodeId, new com.microsoft.playwright.Locator.GetByTextOptions().setExact(true)))
                .isVisible();
        assertThat(row.getByText("Software", new com.microsoft.playwright.Locator.GetByTextOptions().setExact(true)))
                .isVisible();
        Browsers.screenshot(page, "registry-new-node");
        assertThat(api.post("/api/v1/auth/register", Onboarding.registration(token, TestNodeKey.generate(), null))
                        .status())
                .as("single use")
                .isEqualTo(409);
    }

    /**
     * A dashboard opened over plain http at an address other than localhost is no secure context: the browser has no
     * clipboard API. The token dialog says the copy did not happen (the token is shown only once) instead of failing
     * silently. Opened at this machine's own network address, so Chromium really is in an insecure context.
     */
    @Test
    void aTokenThatCannotBeCopiedSaysSoAndStaysInItsField() throws Exception {
        // This machine's own IPv4 address on a network (not loopback, which browsers count as secure).
        var address = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress())
                .map(java.net.InetAddress::getHostAddress).findFirst();
        org.junit.jupiter.api.Assumptions.assumeTrue(address.isPresent(), "no network address besides loopback");
        var operator = "Insecure Origin Operator " + System.nanoTime();
        applications.submit(Onboarding.form(operator, Tier.ORACLE), "127.0.0.1");
        var insecure = Browsers.newPage();
        try {
            var base = "http://" + address.get() + ":" + port;
            insecure.navigate(base + "/login");
            insecure.locator("input[name=username]").fill("admin");
            insecure.locator("input[name=password]").fill(IntegrationTest.ADMIN_PASSWORD);
            insecure.locator("input[name=password]").press("Enter");
            assertThat(insecure.locator("h1[slot=navbar]")).hasText("Overview");
            assertThat(insecure.evaluate("() => window.isSecureContext")).isEqualTo(false);
            Browsers.openScreen(insecure, "Applications");
            insecure.locator("vaadin-grid-cell-content").filter(
                    new com.microsoft.playwright.Locator.FilterOptions().setHasText(operator)).first().click();
            insecure.getByLabel("Application details").getByText("Approve…").click();
            insecure.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and issue token")).click();
            assertThat(insecure.getByTestId("install-token-dialog")).isVisible();
            var errors = new java.util.concurrent.CopyOnWriteArrayList<String>();
            insecure.onPageError(errors::add);

            insecure.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy token")).click();

            assertThat(insecure.getByTestId("copy-refused")).containsText("select the text in the field");
            assertThat(insecure.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Copy token")))
                    .isVisible();
            assertThat(insecure.getByTestId("install-token").locator("textarea").inputValue()).startsWith("nit_");
            assertThat(errors).isEmpty();
            Browsers.screenshot(insecure, "application-token-copy-refused");
        } finally {
            insecure.context().close();
        }
    }

    @Test
    void hardwareBelowTheRequestedTiersMinimumsIsShownInTheRowTheDetailsAndTheApproval() {
        // A long name too: beside the details, the row must still fit a 1280 px desktop.
        var operator = "Small Guardian Node Operations Northern Europe " + System.nanoTime();
        var form = Onboarding.form(operator, Tier.GUARDIAN);
        applications.submit(new network.noderr.controlplane.applications.ApplicationForm(form.operatorName(),
                form.email(), form.walletAddress(), Tier.GUARDIAN,
                new network.noderr.controlplane.applications.Hardware(1, 4, 200, 0, false), form.message()),
                "127.0.0.1");
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        page.navigate("http://localhost:" + port + "/applications");
        row(operator).click();
        var summary = "Below the GUARDIAN minimums: 1 of 8 CPU cores, 4 of 16 GB memory";
        var badge = page.getByTestId("below-minimums")
                .filter(new com.microsoft.playwright.Locator.FilterOptions().setVisible(true)).first();
        assertThat(badge).hasText("Below min: CPU, RAM");
        assertThat(badge).hasAttribute("title", summary);
        var grid = page.locator("vaadin-grid");
        org.assertj.core.api.Assertions.assertThat(Browsers.horizontalOverflow(grid)).as("sideways scrolling (px)")
                .isZero();
        org.assertj.core.api.Assertions.assertThat(Browsers.cutOffTexts(grid)).isEmpty();

        var details = page.getByLabel("Application details");
        assertThat(details.getByTestId("hardware-warning")).hasText(summary);
        var hardware = details.getByTestId("application-hardware");
        assertThat(hardware).containsText("1 core (needs 8)");
        assertThat(hardware).containsText("4 GB RAM (needs 16)");
        assertThat(hardware).containsText("200 GB disk");
        assertThat(hardware).containsText("network not measured");
        Browsers.screenshot(page, "application-below-minimums");

        // Approving stays the admin's decision, and the confirmation says what it lets in.
        details.getByText("Approve…").click();
        var dialog = page.getByRole(AriaRole.ALERTDIALOG);
        assertThat(dialog).hasAccessibleDescription(
                Pattern.compile("^" + summary + " This issues a single-use install token for tier GUARDIAN"));
        assertThat(page.getByTestId("confirm-hardware-warning")).hasText(summary);
        // The dialog fades in: the screenshot waits for its opening animation to end (it may not have begun yet).
        Browsers.dialogOpened(page);
        Browsers.screenshot(page, "application-below-minimums-confirm");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve anyway and issue token")).click();
        assertThat(page.getByTestId("install-token-dialog")).isVisible();
        assertThat(page.getByTestId("install-command").locator("textarea")).hasValue(
                Pattern.compile("--tier GUARDIAN"));
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();
    }

    @Test
    void adminRejectsWithAReason() {
        var operator = "Rejected Operator " + System.nanoTime();
        applications.submit(Onboarding.form(operator, Tier.GUARDIAN), "127.0.0.1");
        page.navigate("http://localhost:" + port + "/applications");
        row(operator).click();
        var rejectDialogButton = page.getByLabel("Application details").getByText("Reject…");
        var reason = page.getByLabel("Reason", new Page.GetByLabelOptions().setExact(true));
        var reject = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Reject").setExact(true));

        // Rejecting without a reason keeps the dialog open and says why.
        rejectDialogButton.click();
        // Under the field (a label that long ran past a phone's screen): nothing sends the reason to the operator.
        assertThat(page.locator("vaadin-text-area").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHas(reason)).locator("[slot=helper]")).hasText(
                        "Kept with the decision. The control plane does not send it to the operator.");
        reject.click();
        assertThat(reason).isVisible();
        assertThat(reason).hasAttribute("aria-invalid", "true");
        var needsReason = "Say why the application is rejected.";
        assertThat(page.locator("vaadin-text-area").getByText(needsReason)).isVisible();
        // A screen reader reads the field's help and its error.
        assertThat(reason).hasAccessibleDescription(
                "Kept with the decision. The control plane does not send it to the operator. " + needsReason);
        assertThat(reason).isFocused();
        Browsers.screenshot(page, "application-reject-needs-reason");

        // Cancel closes it; a stray Escape keeps what is typed. It opens again, empty, with the focus in the reason
        // field.
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(reason).isHidden();
        rejectDialogButton.click();
        assertThat(reason).isFocused();
        page.keyboard().type("draft");
        page.keyboard().press("Escape");
        assertThat(reason).hasValue("draft");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(reason).isHidden();
        rejectDialogButton.click();
        assertThat(reason).hasValue("");
        assertThat(reason).not().hasAttribute("aria-invalid", "true");
        assertThat(reason).isFocused();
        page.keyboard().type("GUARDIAN needs 16 GB of memory");
        reject.click();
        assertThat(page.getByText("Application rejected.")).isVisible();
        assertThat(reason).isHidden();
        page.getByLabel("Status").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Rejected")).click();
        // Exact: not the closed dialog's title; visible: not a grid row kept hidden from the list shown before.
        row(operator).click();
        assertThat(page.getByLabel("Application details")).containsText("GUARDIAN needs 16 GB of memory");
        assertBadge(page.getByTestId("application-status").getByTestId("status-badge"), "Rejected", "badge error");
        Browsers.screenshot(page, "application-rejected");
    }

    /** A Lumo badge: the theme names its colour, and Lumo's badge style gives it a background. */
    private static void assertBadge(com.microsoft.playwright.Locator badge, String text, String theme) {
        assertThat(badge).isVisible();
        assertThat(badge).hasText(text);
        assertThat(badge).hasAttribute("theme", theme);
        org.assertj.core.api.Assertions.assertThat((String) badge.evaluate("b => getComputedStyle(b).backgroundColor"))
                .as("Lumo's badge background").isNotIn("rgba(0, 0, 0, 0)", "transparent");
    }

    @Test
    void issuingANewInstallTokenIsConfirmedBecauseTheOldOneStopsWorking() {
        var operator = "Reissue Operator " + System.nanoTime();
        var id = applications.submit(Onboarding.form(operator, Tier.ORACLE), "127.0.0.1");
        var old = applications.approve(id, "admin", "http://localhost").installToken();
        page.navigate("http://localhost:" + port + "/applications");
        page.getByLabel("Status").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Approved")).click();
        row(operator).click();
        var reissue = page.getByLabel("Application details").getByText("Issue a new install token");

        reissue.click();
        var dialog = page.getByRole(AriaRole.ALERTDIALOG);
        assertThat(dialog).hasAccessibleName("Issue a new install token for " + operator + "?");
        assertThat(dialog).hasAccessibleDescription(
                Pattern.compile("1 unused install token of " + operator + " stops working now"));
        Browsers.screenshot(page, "application-reissue-confirm");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(dialog).hasCount(0);
        assertThat(page.getByTestId("install-token-dialog")).hasCount(0);
        assertThat(revokedTokens(id)).as("cancel keeps the token").isZero();

        reissue.click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke 1 token and issue a new one"))
                .click();
        assertThat(page.getByTestId("install-token-dialog")).isVisible();
        var fresh = page.getByTestId("install-token").locator("textarea").inputValue();
        assertThat(fresh).startsWith("nit_").isNotEqualTo(old);
        assertThat(revokedTokens(id)).isOne();

        // Shown once: neither Escape nor a click outside throws the token away; only Done closes the dialog.
        // (The opened attribute, not visibility: a closing dialog stays visible during its closing animation.)
        var opened = page.locator("vaadin-dialog[opened]");
        assertThat(opened).hasCount(1);
        Browsers.dialogOpened(page); // an Escape before the dialog listens would keep it open whatever it does
        page.keyboard().press("Escape");
        assertThat(opened).hasCount(1);
        page.mouse().click(3, 3);
        assertThat(opened).hasCount(1);
        assertThat(page.getByTestId("install-token").locator("textarea")).hasValue(fresh);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();
        assertThat(opened).hasCount(0);
        assertThat(page.getByTestId("install-token-dialog")).hasCount(0);
    }

    @Test
    void tokensOfABatchAreAllCountedAndAReissueSaysHowManyStopWorking() {
        var operator = "Fleet Screen Operator " + System.nanoTime();
        var id = applications.submit(Onboarding.form(operator, Tier.GUARDIAN), "127.0.0.1");
        var api = new ApiClient(port);
        var first = applications.approve(id, "admin", "http://localhost").installToken();
        var batch = applications.issueTokens(id, 5, "admin").tokens();
        var nodes = new java.util.ArrayList<String>();
        for (var token : java.util.List.of(first, batch.get(0), batch.get(1))) {
            var registered = api.post("/api/v1/auth/register",
                    Onboarding.registration(token, TestNodeKey.generate(), null));
            assertThat(registered.status()).isEqualTo(201);
            nodes.add(registered.text("nodeId"));
        }
        try {
            page.navigate("http://localhost:" + port + "/applications");
            page.getByLabel("Status").click();
            page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Approved")).click();
            row(operator).click();
            var state = page.getByTestId("token-state");
            assertThat(state).containsText("3 used by");
            assertThat(state).containsText("3 active");
            for (var node : nodes) {
                assertThat(state).containsText(node);
            }
            Browsers.screenshot(page, "application-token-batch");

            var reissue = page.getByLabel("Application details").getByText("Issue a new install token");
            reissue.click();
            var dialog = page.getByRole(AriaRole.ALERTDIALOG);
            assertThat(dialog).hasAccessibleDescription(Pattern.compile(
                    "3 unused install tokens of .* stop working now.*The 3 nodes already registered keep working"));
            // Another token appears after the admin read the confirmation: the server refuses rather than revoke 4.
            applications.issueTokens(id, 1, "admin");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke 3 tokens and issue a new one"))
                    .click();
            assertThat(page.getByText("not 3 as confirmed")).isVisible();
            assertThat(page.getByTestId("install-token-dialog")).hasCount(0);
            assertThat(revokedTokens(id)).as("nothing the admin was not told about").isZero();
            assertThat(state).containsText("4 active");

            reissue.click();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke 4 tokens and issue a new one"))
                    .click();
            assertThat(page.getByTestId("install-token-dialog")).isVisible();
            assertThat(revokedTokens(id)).isEqualTo(4);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();
            assertThat(state).containsText("1 active");
            assertThat(state).containsText("4 revoked");
        } finally {
            for (var node : nodes) {
                jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", node).update();
            }
        }
    }

    @Test
    void pendingApplicationsShowTheOldestFirstAndLoadMore() {
        var oldest = "Waiting Since 1998 " + System.nanoTime();
        var ids = new java.util.ArrayList<java.util.UUID>();
        var oldestId = applications.submit(Onboarding.form(oldest, Tier.ORACLE), "127.0.0.1");
        ids.add(oldestId);
        jdbc.sql("UPDATE applications SET created_at = '1998-01-01T00:00:00Z' WHERE id = :id")
                .param("id", oldestId).update();
        for (int i = 0; i < 101; i++) {
            ids.add(applications.submit(Onboarding.form("Queue " + i + " " + System.nanoTime(), Tier.ORACLE),
                    "127.0.0.1"));
        }
        try {
            long total = applications.list(network.noderr.controlplane.applications.ApplicationStatus.PENDING, null, 1)
                    .total();
            page.navigate("http://localhost:" + port + "/applications");
            var count = page.getByTestId("application-count");
            assertThat(count).hasText("100 of " + java.text.NumberFormat.getIntegerInstance(java.util.Locale.US).format(total) + " applications, oldest first");
            assertThat(page.getByText(oldest)).isVisible();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Load more")).click();
            assertThat(count).hasText(Pattern.compile("^(200 of [\\d,]+ applications, oldest first|[\\d,]+ applications)$"));
            assertThat(count).not().hasText(Pattern.compile("^100 of"));
        } finally {
            jdbc.sql("DELETE FROM applications WHERE id IN (:ids)").param("ids", ids).update();
        }
    }

    private long revokedTokens(java.util.UUID applicationId) {
        return jdbc.sql("SELECT count(*) FROM install_tokens WHERE application_id = :id AND revoked_at IS NOT NULL")
                .param("id", applicationId).query(Long.class).single();
    }

    /**
     * The grid cell with the operator's name. Visible only: the grid keeps the rows of the list it showed before
     * (hidden, with their old text) when the list changes.
     */
    private com.microsoft.playwright.Locator row(String operator) {
        return page.getByText(operator, new Page.GetByTextOptions().setExact(true))
                .filter(new com.microsoft.playwright.Locator.FilterOptions().setVisible(true));
    }
}
