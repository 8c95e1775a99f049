package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestUsers;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.rollouts.NewRelease;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Role-aware dashboard in real Chromium: a viewer sees every screen with something to act on and no action button;
 * a release manager gets the deploy actions but not Users; an admin manages users, and a disabled user is out.
 * The server refuses what the screens hide (see also RoleAccessIT and UserAdminApiTest).
 */
@IntegrationTest
class RolesIT {

    /**
     * The login page, also as the client sends a page there when a call finds the session ended (which may come before
     * the live stream's own check: then it says so and names the screen to return to).
     */
    private static final Pattern LOGIN_PAGE = Pattern.compile(".*/login(\\?ended=[^&]*)?$");

    /** Buttons that only read: anything else on a viewer's screen would be an action. */
    private static final Set<String> READ_ONLY_BUTTONS = Set.of("Filter", "Download CSV");

    private static final Pattern ACTIONS = Pattern.compile(
            "approve|reject|reissue|issue a new|publish|roll ?back|promote|pause|resume|abort|acknowledge|suspend"
                    + "|reinstate|new user|create user|disable|enable|reset password|change role",
            Pattern.CASE_INSENSITIVE);

    /** Each test's rollout gets its own version (a tier never releases one version twice). */
    private static final java.util.concurrent.atomic.AtomicInteger VERSIONS = new java.util.concurrent.atomic.AtomicInteger();

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    @Autowired
    Applications applications;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    String operator;
    String version;
    String alertNode;
    Page page;
    Page second;

    @BeforeEach
    void somethingToActOnOnEveryScreen() {
        operator = "Roles Operator " + UUID.randomUUID().toString().substring(0, 8);
        applications.submit(Onboarding.form(operator, Tier.ORACLE), "127.0.0.1");
        version = "7." + Math.floorMod(UUID.randomUUID().getLeastSignificantBits(), 1000) + "."
                + VERSIONS.incrementAndGet();
        rollouts.start(new NewRelease(Tier.ORACLE, version,
                "registry.noderr.network/oracle:7.0.0", "sha256:" + "a".repeat(64), "0x" + "b".repeat(64), null),
                RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
        alertNode = "node-roles-" + UUID.randomUUID().toString().substring(0, 8);
        var delivered = new ApiClient(port).post("/api/v1/alerts", Map.of("version", "4", "status", "firing",
                "alerts", List.of(Map.of("status", "firing",
                        "labels", Map.of("alertname", "NodeDown", "severity", "warning", "node_id", alertNode),
                        "annotations", Map.of("summary", "Node " + alertNode + " is down"),
                        "startsAt", java.time.Instant.now().minusSeconds(60).toString(),
                        "fingerprint", UUID.randomUUID().toString().substring(0, 16)))), AlertsIT.SECRET);
        org.assertj.core.api.Assertions.assertThat(delivered.status()).isEqualTo(200);
    }

    @AfterEach
    void close() {
        for (var p : new Page[] {page, second}) {
            if (p != null) {
                p.context().close();
            }
        }
        // Gone entirely, so screens that count finished rollouts (RolloutsIT) see only their own.
        OracleReleases.delete(jdbc, java.util.List.of(version));
    }

    @Test
    void aViewerSeesEveryScreenWithoutActionButtons() {
        page = Browsers.openAs(users, port, "roles-viewer", Role.VIEWER, "Nodes");
        assertThat(page.getByLabel("Node registry")).isVisible();
        assertNoActions("nodes");

        page.navigate(url("/"));
        assertThat(page.locator("main")).isVisible();
        assertNoActions("the start page");

        openFromMenu("Applications");
        page.getByText(operator).click();
        assertThat(page.getByLabel("Application details")).containsText("ORACLE");
        assertNoActions("applications");

        openFromMenu("Releases");
        assertThat(page.getByTestId("chain-status")).isVisible();
        assertThat(page.getByTestId("publish-form")).hasCount(0);
        assertNoActions("releases");

        openFromMenu("Rollouts");
        assertThat(page.getByLabel("Rollout ORACLE " + version, new Page.GetByLabelOptions().setExact(true))).isVisible();
        assertNoActions("rollouts");

        openFromMenu("Alerts");
        assertThat(page.getByTestId("alert").filter(new Locator.FilterOptions().setHasText(alertNode))).isVisible();
        assertNoActions("alerts");

        openFromMenu("Audit log");
        assertThat(page.getByTestId("audit-filters")).isVisible();
        assertNoActions("audit");

        openFromMenu("Approvals");
        assertThat(page.locator("main")).isVisible();
        assertThat(page.locator("main vaadin-checkbox")).hasCount(0); // the per-tier rule is the admin's
        assertNoActions("approvals");

        var menu = page.locator("vaadin-side-nav-item");
        assertThat(menu.filter(new Locator.FilterOptions().setHasText("Audit log"))).hasCount(1);
        assertThat(menu.filter(new Locator.FilterOptions().setHasText("Users"))).hasCount(0);

        page.navigate(url("/users"));
        assertThat(page.getByTestId("access-denied")).containsText("roles-viewer");
        assertThat(page.getByTestId("access-denied")).containsText("/users");
        assertThat(page.getByTestId("users-grid")).hasCount(0);
        Browsers.screenshot(page, "users-denied-viewer");
    }

    @Test
    void aViewerManagesTheirOwnTokensAndPasswordUnderMyAccount() {
        page = Browsers.openAs(users, port, "roles-account-viewer", Role.VIEWER, "Nodes");
        page.getByLabel("User menu").getByText("roles-account-viewer · Viewer").click();
        page.getByRole(AriaRole.MENUITEM, new Page.GetByRoleOptions().setName("My account")).click();
        assertThat(page).hasURL(Pattern.compile(".*/account$"));
        assertThat(page.getByTestId("account-identity")).containsText("roles-account-viewer");
        assertThat(page.getByTestId("my-tokens-empty")).isVisible();
        Browsers.screenshot(page, "account-empty");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
        assertThat(inView("Give the token a name")).isVisible();

        page.getByLabel("Name").fill("grafana");
        page.getByLabel("Name").press("Enter");
        var dialog = page.getByTestId("secret-dialog");
        assertThat(dialog).containsText("you will not see it again");
        var token = page.getByTestId("secret-value").locator("input").inputValue();
        org.assertj.core.api.Assertions.assertThat(token).startsWith("ndr_");
        assertThat(page.getByTestId("secret-copy")).isVisible();
        Browsers.screenshot(page, "account-token-created");
        // Shown once: Escape and a click outside keep it open (the opened attribute changes at once, while a closing
        // dialog stays visible during its animation); only Done closes it.
        var opened = page.locator("vaadin-dialog[opened]");
        assertThat(opened).hasCount(1);
        Browsers.dialogOpened(page); // an Escape before the dialog listens would keep it open whatever it does
        page.keyboard().press("Escape");
        assertThat(opened).hasCount(1);
        page.mouse().click(3, 3);
        assertThat(opened).hasCount(1);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();
        assertThat(opened).hasCount(0);
        assertThat(page.getByTestId("secret-dialog")).hasCount(0);

        var api = new ApiClient(port);
        org.assertj.core.api.Assertions.assertThat(api.get("/api/v1/admin/nodes?size=1", token).status())
                .as("the shown token works").isEqualTo(200);
        var grid = page.getByTestId("my-tokens");
        assertThat(grid).containsText("grafana");
        assertThat(grid).not().containsText(token);
        assertThat(grid.locator("[data-status=active]")).hasCount(1);
        Browsers.screenshot(page, "account-tokens");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke grafana")).click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke").setExact(true)).click();
        assertThat(grid.locator("[data-status=revoked]")).hasCount(1);
        org.assertj.core.api.Assertions.assertThat(api.get("/api/v1/admin/nodes?size=1", token).status())
                .as("revoked").isEqualTo(401);

        page.getByLabel("Current password").fill("not-my-password");
        page.getByLabel("New password", new Page.GetByLabelOptions().setExact(true)).fill("a-brand-new-password");
        page.getByLabel("Repeat the new password").fill("a-different-password");
        page.getByLabel("Repeat the new password").press("Enter");
        assertThat(inView("Does not match the new password.")).isVisible();
        page.getByLabel("Repeat the new password").fill("a-brand-new-password");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Change password")).click();
        assertThat(inView("The current password is not right")).isVisible();
        Browsers.screenshot(page, "account-password-error");

        // A second session of the same user, open on another screen.
        second = Browsers.newPage();
        Browsers.logIn(second, port, "roles-account-viewer", "roles-account-viewer-password");
        assertThat(second.getByTestId("connection-state")).hasText("Live");

        page.getByLabel("Current password").fill("roles-account-viewer-password");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Change password")).click();
        assertThat(page.getByText("Password changed")).isVisible();
        // The other session's page makes no request, but its live stream ends at the next event or heartbeat, and
        // the page, finding its session ended, shows the login page. This page's session stands: its stream, ended
        // as well, starts again and it stays where it is.
        assertThat(second).hasURL(LOGIN_PAGE,
                new com.microsoft.playwright.assertions.PageAssertions.HasURLOptions().setTimeout(40_000));
        assertThat(page.getByTestId("connection-state")).hasText("Live");
        assertThat(page).hasURL(Pattern.compile(".*/account$"));
        assertThat(page.getByTestId("account-identity")).containsText("roles-account-viewer");
        users.resetPassword("admin", users.findByUsername("roles-account-viewer").orElseThrow().id(),
                "roles-account-viewer-password");
    }

    @Test
    void aReleaseManagerDeploysButCannotManageUsers() throws Exception {
        page = Browsers.openAs(users, port, "roles-manager", Role.RELEASE_MANAGER, "Releases");
        assertThat(page.getByTestId("publish-form")).isVisible();
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish on-chain")))
                .isVisible();
        openFromMenu("Rollouts");
        var card = page.getByLabel("Rollout ORACLE " + version, new Page.GetByLabelOptions().setExact(true));
        assertThat(card.getByText("Pause…")).isVisible();
        assertThat(card.getByText("Abort…")).isVisible();

        assertThat(page.locator("vaadin-side-nav-item").filter(new Locator.FilterOptions().setHasText("Users")))
                .hasCount(0);
        page.navigate(url("/users"));
        assertThat(page.getByTestId("access-denied")).isVisible();
        assertThat(page.getByTestId("users-grid")).hasCount(0);

        var session = new DashboardClient(port);
        org.assertj.core.api.Assertions.assertThat(session.login("roles-manager", "roles-manager-password")
                .statusCode()).isEqualTo(200);
        org.assertj.core.api.Assertions.assertThat(session.call("UserAdminService", "list", "{}").statusCode())
                .as("Hilla call").isIn(401, 403);
        var token = TestUsers.token(users, apiTokens, "roles-manager", Role.RELEASE_MANAGER);
        var rest = new ApiClient(port).get("/api/v1/admin/users", token);
        org.assertj.core.api.Assertions.assertThat(rest.status()).as("REST call").isEqualTo(403);
        org.assertj.core.api.Assertions.assertThat(rest.problemType()).isEqualTo("forbidden");
    }

    @Test
    void anAdminCreatesAUserWhoLogsInUntilDisabled() {
        var name = "roles-new-" + UUID.randomUUID().toString().substring(0, 6);
        page = Browsers.openAs(users, port, "roles-admin", Role.ADMIN, "Users");
        assertThat(page).hasURL(Pattern.compile(".*/users$"));
        assertThat(page.getByTestId("users-grid")).containsText("roles-admin");
        Browsers.screenshot(page, "users-list");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("New user…")).click();
        var dialog = page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("New user"));
        // Keyboard only: the username field has the focus, Tab moves on, Enter submits. The dialog moves the focus
        // once it has opened: typed before, the keys would go to the page behind it.
        assertThat(dialog.getByLabel("Username")).isFocused();
        page.keyboard().type("roles-admin");
        page.keyboard().press("Tab");
        page.keyboard().type("short");
        page.keyboard().press("Enter");
        assertThat(dialog.getByText("must have 12 to 200 characters")).isVisible();
        dialog.getByRole(AriaRole.TEXTBOX, new Locator.GetByRoleOptions().setName("Password")).fill("first-password-123");
        dialog.getByRole(AriaRole.TEXTBOX, new Locator.GetByRoleOptions().setName("Password")).press("Enter");
        assertThat(dialog.getByText("already exists")).isVisible();
        Browsers.screenshot(page, "users-create-errors");

        dialog.getByLabel("Username").fill(name);
        dialog.getByLabel("Role").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Release manager")).click();
        dialog.getByRole(AriaRole.TEXTBOX, new Locator.GetByRoleOptions().setName("Password")).press("Enter");
        assertThat(page.getByText("User " + name + " created as Release manager")).isVisible();
        var details = page.getByTestId("user-details");
        assertThat(details.locator("h2")).hasText(name);

        details.getByText("Reset password…").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Generate password")).click();
        assertThat(page.getByTestId("secret-dialog")).containsText("you will not see it again");
        var password = page.getByTestId("secret-value").locator("input").inputValue();
        Browsers.screenshot(page, "users-password-generated");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();

        second = Browsers.newPage();
        Browsers.logIn(second, port, name, password);
        assertThat(second.getByLabel("User menu")).containsText(name + " · Release manager");
        assertThat(second.getByTestId("connection-state")).hasText("Live");

        details.getByText("Disable…").click();
        // The new user has no API tokens: the confirmation says nothing about tokens.
        assertThat(page.getByRole(AriaRole.ALERTDIALOG, new Page.GetByRoleOptions().setName("Disable " + name + "?")))
                .hasAttribute("aria-description", "They are logged out at their next click and cannot log in until "
                        + "you enable them again. Nothing is deleted.");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Disable").setExact(true)).click();
        assertThat(page.getByText(name + " is disabled")).isVisible();
        assertThat(details.getByTestId("user-status")).hasText("Disabled");
        Browsers.screenshot(page, "users-disabled");
        // The disabled user's open page makes no request, but its live stream ends at the next event or heartbeat,
        // and the page, refused a new stream, shows the login page.
        assertThat(second).hasURL(LOGIN_PAGE,
                new com.microsoft.playwright.assertions.PageAssertions.HasURLOptions().setTimeout(40_000));

        second.navigate(url("/rollouts"));
        assertThat(second).hasURL(Pattern.compile(".*/login$"));
        second.locator("input[name=username]").fill(name);
        second.locator("input[name=password]").fill(password);
        second.locator("input[name=password]").press("Enter");
        assertThat(second.getByText("Incorrect username or password")).isVisible();
        assertThat(second).hasURL(Pattern.compile(".*/login$"));
    }

    @Test
    void anAdminCannotDisableDemoteOrResetThemselfInTheScreen() {
        page = Browsers.openAs(users, port, "roles-self-admin", Role.ADMIN, "Users");
        var self = users.findByUsername("roles-self-admin").orElseThrow();
        apiTokens.issue(self.id(), "deploy scripts on the build server (nightly)");
        // The narrowest desktop: the list and the details fit, nothing is cut off.
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        page.reload();
        page.getByTestId("users-grid").getByText("roles-self-admin").click();
        var panel = page.getByTestId("user-details");
        assertThat(panel.getByText("deploy scripts on the build server (nightly)")).isVisible();
        org.assertj.core.api.Assertions.assertThat(Browsers.horizontalOverflow(page.getByTestId("users-grid")))
                .as("Users list scrolling sideways (px)").isZero();
        org.assertj.core.api.Assertions.assertThat(Browsers.cutOffTexts(page.locator("main"))).isEmpty();
        var box = panel.boundingBox();
        for (var button : java.util.List.of(panel.getByText("Change role…"), panel.getByText("Revoke…").first())) {
            var b = button.boundingBox();
            org.assertj.core.api.Assertions.assertThat(b.x + b.width).as("right edge of %s", button.innerText())
                    .isLessThanOrEqualTo(box.x + box.width + 0.5);
        }
        Browsers.screenshot(page, "users-self-desktop");
        var details = page.getByTestId("user-details");
        assertThat(details.getByTestId("own-account-hint")).isVisible();
        assertThat(details.getByText("Disable…")).isDisabled();
        assertThat(details.getByText("Reset password…")).isDisabled();
        assertThat(details.getByTestId("reset-password")).hasAttribute("title",
                "Change your own password under My account");
        assertThat(details.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Role Admin")))
                .isDisabled();
    }

    /**
     * A text shown in the view, such as a field's error message. Not looked for on the whole page: 150 ms after a
     * field shows an error, Vaadin puts a copy into its screen-reader announcement region (outside the view, where it
     * stays), and a check that came later found the text twice (a strict-mode violation).
     */
    private Locator inView(String text) {
        return page.locator("main").getByText(text);
    }

    private void openFromMenu(String screen) {
        Browsers.openScreen(page, screen);
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private void assertNoActions(String screen) {
        var buttons = page.locator("main vaadin-button:visible").allInnerTexts();
        org.assertj.core.api.Assertions.assertThat(buttons).as("buttons on %s", screen)
                .allMatch(READ_ONLY_BUTTONS::contains)
                .noneMatch(text -> ACTIONS.matcher(text).find());
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(ACTIONS))).hasCount(0);
    }
}
