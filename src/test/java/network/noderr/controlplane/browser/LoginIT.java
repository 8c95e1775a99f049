package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Page;
import java.util.regex.Pattern;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The login journey in real Chromium against the production frontend bundle. */
@IntegrationTest
class LoginIT {

    @LocalServerPort
    int port;

    @org.springframework.beans.factory.annotation.Autowired
    network.noderr.controlplane.security.UserAccounts users;

    Page page;

    @BeforeEach
    void openPage() {
        page = Browsers.newPage();
    }

    @AfterEach
    void closePage() {
        page.context().close();
    }

    @Test
    void bootstrapAdminLogsInAndSeesTheEmptyOverviewAndRegistry() {
        page.navigate("http://localhost:" + port + "/");
        assertThat(page).hasURL(Pattern.compile(".*/login$"));
        logIn("admin", IntegrationTest.ADMIN_PASSWORD);

        // The start page is the Overview; with no nodes it points to Applications.
        assertThat(page).hasURL(Pattern.compile(".*:" + port + "/(\\?continue)?$"));
        assertThat(page.getByTestId("overview-empty")).containsText("No nodes yet");
        assertThat(page.getByTestId("stat-nodes-value")).hasText("0");
        assertThat(page.locator("vaadin-side-nav-item").first()).containsText("Overview");
        Browsers.screenshot(page, "overview-empty");

        Browsers.openScreen(page, "Nodes");
        assertThat(page).hasURL(Pattern.compile(".*/nodes$"));
        var empty = page.getByTestId("registry-empty");
        assertThat(empty).isVisible();
        assertThat(empty).containsText("No nodes registered yet");
        assertThat(page.getByTestId("node-count")).hasText("0 nodes");
        assertThat(page.locator("vaadin-side-nav-item")).containsText(new String[] {"Nodes"});
        assertThat(page.getByLabel("User menu")).containsText("admin · Admin");
        Browsers.screenshot(page, "registry-empty");
    }

    @Test
    void theLoginPageNamesAnIconThatLoadsWithoutLoggingIn() {
        var missing = new java.util.ArrayList<String>();
        page.onResponse(r -> {
            if (r.status() == 404) {
                missing.add(r.url());
            }
        });
        page.navigate("http://localhost:" + port + "/login");
        assertThat(page.locator("input[name=username]")).isVisible();

        var icons = page.locator("link[rel=icon]");
        assertThat(icons).hasCount(2);
        var types = java.util.Map.of("image/svg+xml", "<svg", "image/x-icon", "");
        for (int i = 0; i < icons.count(); i++) {
            // The href as the browser resolves it against the page, fetched with the anonymous page's cookies.
            var href = (String) icons.nth(i).evaluate("link => link.href");
            var icon = page.request().get(href);
            org.assertj.core.api.Assertions.assertThat(icon.status()).as(href).isEqualTo(200);
            var type = icon.headers().get("content-type");
            org.assertj.core.api.Assertions.assertThat(types).as(href).containsKey(type);
            org.assertj.core.api.Assertions.assertThat(icon.text()).startsWith(types.get(type));
        }
        org.assertj.core.api.Assertions.assertThat(missing).as("nothing the login page loads is missing").isEmpty();
    }

    @Test
    void wrongPasswordIsRefusedWithAMessage() {
        page.navigate("http://localhost:" + port + "/login");
        logIn("admin", "definitely-not-the-password");

        assertThat(page.getByText("Incorrect username or password")).isVisible();
        assertThat(page).hasURL(Pattern.compile(".*/login$"));
        Browsers.screenshot(page, "login-refused");
    }

    @Test
    void logoutEndsTheSession() {
        Browsers.logIn(page, port, "admin", IntegrationTest.ADMIN_PASSWORD);

        page.getByLabel("User menu").getByText("admin · Admin").click();
        page.getByRole(com.microsoft.playwright.options.AriaRole.MENUITEM,
                        new Page.GetByRoleOptions().setName("Log out"))
                .click();
        assertThat(page).hasURL(Pattern.compile(".*/login$"));
        page.navigate("http://localhost:" + port + "/nodes");
        assertThat(page).hasURL(Pattern.compile(".*/login$"));
    }

    @Test
    void aSessionThatEndedLeadsToTheLoginPageAndBackToTheScreen() {
        Browsers.logIn(page, port, "admin", IntegrationTest.ADMIN_PASSWORD);
        Browsers.openScreen(page, "Applications");
        assertThat(page).hasURL(Pattern.compile(".*/applications$"));

        // The session ends behind the screen's back (expired, logged out in another tab): the next call finds out,
        // the Audit log's first load or, if it comes first, one of the screen's own live refreshes.
        page.context().clearCookies();
        try {
            // Not a click: that waits for the page to settle, and the page may be leaving for the login page already.
            page.locator("vaadin-side-nav").getByRole(com.microsoft.playwright.options.AriaRole.LINK,
                            new com.microsoft.playwright.Locator.GetByRoleOptions().setName("Audit log").setExact(true))
                    .dispatchEvent("click", null, new com.microsoft.playwright.Locator.DispatchEventOptions()
                            .setTimeout(5_000));
        } catch (com.microsoft.playwright.PlaywrightException e) {
            // the link was gone: a live refresh found out first and the page left for the login page
        }

        assertThat(page).hasURL(Pattern.compile(".*/login\\?ended=%2F(audit|applications)$"));
        var screen = page.url().endsWith("audit") ? "audit" : "applications";
        assertThat(page.getByText("Your session has ended: log in again.")).isVisible();
        Browsers.screenshot(page, "login-session-ended");
        logIn("admin", IntegrationTest.ADMIN_PASSWORD);
        assertThat(page).hasURL(Pattern.compile(".*:" + port + "/" + screen + "$"));
        assertThat(page.locator("h1[slot=navbar]")).hasText(screen.equals("audit") ? "Audit log" : "Applications");
    }

    /** Addresses that look like a path but lead to another site once the browser resolves them. */
    @ParameterizedTest
    @ValueSource(strings = {"//example.org/x", "/.//example.org/x", "/\\example.org/x", "/%2F/example.org/x",
            "https://example.org/x", "/./%2Fexample.org"})
    void theLoginPageSendsBackOnlyToAPathOfThisSite(String ended) {
        page.navigate("http://localhost:" + port + "/login?ended=" + java.net.URLEncoder.encode(ended,
                java.nio.charset.StandardCharsets.UTF_8));
        logIn("admin", IntegrationTest.ADMIN_PASSWORD);
        // This site: its start page, or a path of its own that merely looks like an address ("/%2F/example.org/x").
        page.waitForURL(url -> !url.contains("/login"));
        org.assertj.core.api.Assertions.assertThat(page.url()).startsWith("http://localhost:" + port + "/");
    }

    @Test
    void theLoginPageAndAnEmptyGridLogNoErrorsOrWarnings() {
        var noise = new java.util.concurrent.CopyOnWriteArrayList<String>();
        page.onConsoleMessage(m -> {
            if (m.type().equals("error") || m.type().equals("warning")) {
                noise.add(m.type() + ": " + m.text() + " (" + m.location() + ")");
            }
        });
        page.onPageError(e -> noise.add("uncaught: " + e));

        // Nobody is logged in yet: asking who is logged in answers "nobody", not a 401 the browser logs.
        page.navigate("http://localhost:" + port + "/login");
        assertThat(page.locator("input[name=username]")).isVisible();
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.NETWORKIDLE);
        org.assertj.core.api.Assertions.assertThat(noise).as("console on the login page").isEmpty();

        // A fresh user's API tokens: a grid with no rows, showing its empty state.
        var username = "console-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        users.create(username, username + "-password", network.noderr.controlplane.security.Role.VIEWER);
        logIn(username, username + "-password");
        assertThat(page.locator("h1[slot=navbar]")).hasText("Overview");
        page.navigate("http://localhost:" + port + "/account");
        assertThat(page.getByTestId("my-tokens-empty")).isVisible();
        gridsSettled();
        org.assertj.core.api.Assertions.assertThat(noise).as("console with an empty grid").isEmpty();

        // The registry, filtered to nothing: its grid loads from the server page by page.
        page.navigate("http://localhost:" + port + "/nodes?q=no-such-node-" + username);
        assertThat(page.getByTestId("registry-empty")).isVisible();
        gridsSettled();
        org.assertj.core.api.Assertions.assertThat(noise).as("console with an empty registry").isEmpty();
    }

    /**
     * Waits until every grid on the page has made its size check, which Vaadin's grid runs (and warns from) 2 s
     * after it gets its items: a warning it has to give is then in the console.
     */
    private void gridsSettled() {
        page.waitForFunction("""
                () => [...document.querySelectorAll('vaadin-grid')].every(
                    (g) => g._debouncerCheckSize !== undefined && !g._debouncerCheckSize.isActive())""");
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.NETWORKIDLE);
    }

    /**
     * A login page left open past its session's end (30 minutes idle; here its cookie is cleared) still logs in: the
     * login carries the CSRF token of the session it is checked against, not the ended one's, which would be refused
     * as if the password were wrong, attempt after attempt.
     */
    @Test
    void aLoginPageOpenLongerThanItsSessionStillLogsIn() {
        page.navigate("http://localhost:" + port + "/login");
        assertThat(page.locator("input[name=username]")).isVisible();
        page.context().clearCookies();
        logIn("admin", IntegrationTest.ADMIN_PASSWORD);
        assertThat(page).hasURL(Pattern.compile(".*:" + port + "/(\\?continue)?$"));
        assertThat(page.getByLabel("User menu")).containsText("admin");
    }

    private void logIn(String username, String password) {
        page.locator("input[name=username]").fill(username);
        page.locator("input[name=password]").fill(password);
        page.locator("input[name=password]").press("Enter");
    }
}
