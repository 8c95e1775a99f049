package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The registry screen sorts and filters on the server: more nodes than one page, in real Chromium. */
@IntegrationTest
class NodeRegistryIT {

    private static final String PREFIX = "grid-node-";
    private static final int NODES = 120;

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    Page page;

    @BeforeEach
    void seedAndLogIn() {
        for (int i = 0; i < NODES; i++) {
            TestNodes.insert(jdbc, PREFIX + String.format("%03d", i), i % 4 == 0 ? "GUARDIAN" : "ALL");
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                                       last_health_check)
                            VALUES (:id, :tier, :version, :cohort, :health, now())""")
                    .param("id", PREFIX + String.format("%03d", i))
                    .param("version", i % 3 == 0 ? "1.3.0" : "1.4.2")
                    .param("cohort", i < 6 ? "canary" : "cohort1")
                    .param("tier", i % 4 == 0 ? "GUARDIAN" : "ALL")
                    .param("health", i % 10 == 0 ? "unhealthy" : "healthy")
                    .update();
        }
        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id IN ('grid-node-000', 'grid-node-040')").update();
        page = Browsers.newPage();
        Browsers.logIn(page, port, "admin", IntegrationTest.ADMIN_PASSWORD);
        Browsers.openScreen(page, "Nodes");
        assertThat(page.getByTestId("node-count")).containsText("nodes");
    }

    @AfterEach
    void cleanUp() {
        page.context().close();
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE 'grid-node-%'").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE 'grid-node-%'").update();
    }

    @Test
    void lastReportAgesKeepCountingAndNewReportsShowWithoutALiveEvent() {
        var node = PREFIX + "007";
        jdbc.sql("UPDATE nodes SET registered_at = now() - interval '3 days' WHERE node_id = :id").param("id", node)
                .update();
        jdbc.sql("UPDATE node_versions SET last_health_check = now() - interval '10 minutes' WHERE node_id = :id")
                .param("id", node).update();
        // The page's clock is driven by the test; the server's time goes on as usual.
        page.clock().install(new com.microsoft.playwright.Clock.InstallOptions().setTime(System.currentTimeMillis()));
        page.navigate("http://localhost:" + port + "/nodes?q=" + node);
        assertThat(page.getByTestId("node-count")).hasText("1 node");
        var lastReport = page.locator("vaadin-grid-cell-content .cell-wrap")
                .filter(new com.microsoft.playwright.Locator.FilterOptions()
                        .setHasNotText(java.util.regex.Pattern.compile("days")));
        assertThat(lastReport).hasText("10 minutes ago");

        // A report that changes neither health nor version sends no live event: the rows in view are read again.
        jdbc.sql("UPDATE node_versions SET last_health_check = now() WHERE node_id = :id").param("id", node).update();
        page.clock().runFor(16_000);
        assertThat(lastReport).hasText(java.util.regex.Pattern.compile("^\\d+ seconds ago$"));

        // Between reads the age keeps counting.
        var shown = lastReport.textContent();
        page.clock().runFor(9_000);
        assertThat(lastReport).not().hasText(shown);
        assertThat(lastReport).hasText(java.util.regex.Pattern.compile("^\\d+ seconds ago$"));
    }

    @Test
    void theTargetArrowShowsOnlyTowardsAnotherVersion() {
        // 001 stays on what it runs (e.g. after an aborted rollout), 002 is to move.
        jdbc.sql("UPDATE node_versions SET target_version = current_version WHERE node_id = :id")
                .param("id", PREFIX + "001").update();
        jdbc.sql("UPDATE node_versions SET target_version = '9.9.9' WHERE node_id = :id")
                .param("id", PREFIX + "002").update();
        page.navigate("http://localhost:" + port + "/nodes?q=" + PREFIX + "00");
        assertThat(page.getByTestId("node-count")).hasText("10 nodes");
        assertThat(cell(PREFIX + "001")).isVisible();
        var arrows = page.locator("vaadin-grid-cell-content [title='Target version']");
        assertThat(arrows).hasCount(1);
        assertThat(arrows).hasText("→ 9.9.9");
    }

    @Test
    void sortsAndFiltersAcrossPagesOnTheServer() {
        // Typed key by key, slower than the search's debounce: every search goes out, no key is lost.
        page.getByLabel("Search").pressSequentially(PREFIX, new com.microsoft.playwright.Locator
                .PressSequentiallyOptions().setDelay(120));
        assertThat(page.getByLabel("Search")).hasValue(PREFIX);
        assertThat(page.getByTestId("node-count")).hasText(NODES + " nodes");
        assertThat(cell(PREFIX + "000")).isVisible();

        // Descending by node id: the last node (never in the first page of 50) comes first.
        var nodeSorter = page.locator("vaadin-grid-sorter").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Node"));
        nodeSorter.click();
        nodeSorter.click();
        assertThat(cell(PREFIX + "119")).isVisible();
        assertThat(cell(PREFIX + "000")).hasCount(0);
        Browsers.screenshot(page, "registry-sorted");

        label("Tier").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("GUARDIAN")).click();
        assertThat(page.getByTestId("node-count")).hasText("30 nodes");

        label("Health").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Unhealthy")).click();
        assertThat(page.getByTestId("node-count")).hasText("6 nodes");
        assertThat(cell(PREFIX + "100")).isVisible();

        choose("Status", "Suspended");
        assertThat(page.getByTestId("node-count")).hasText("2 nodes");
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*status=SUSPENDED.*"));

        page.getByLabel("Search").fill("no-such-node");
        assertThat(page.getByTestId("node-count")).hasText("0 nodes");
        assertThat(page.getByTestId("registry-empty")).containsText("No nodes match these filters");
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*q=no-such-node.*"));

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Clear filters")).click();
        // The sort is not a filter: it stays.
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*/nodes\\?sort=nodeId&dir=desc$"));
        assertThat(page.getByLabel("Search")).hasValue("");
        assertThat(label("Tier")).containsText("All tiers");
    }

    @Test
    void noFilterChoiceIsCutOffOnADesktop() {
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        var filters = page.locator("main > div").first();
        assertThat(label("Version")).containsText("Any version");
        org.assertj.core.api.Assertions.assertThat(Browsers.cutOffTexts(filters)).isEmpty();
        choose("Health", "Never reported");
        assertThat(label("Health")).containsText("Never reported");
        org.assertj.core.api.Assertions.assertThat(Browsers.cutOffTexts(filters)).isEmpty();
    }

    @Test
    void theGridFitsADesktopWithoutScrollingSideways() {
        // A node id as registration makes them (node- and 16 hex digits) on a long host name.
        var longest = PREFIX + "9f3a0c1b2d4e5f60";
        TestNodes.insert(jdbc, longest, "GUARDIAN");
        jdbc.sql("UPDATE nodes SET hostname = 'guardian-fra1-rack07-node03.operator.example' WHERE node_id = :id")
                .param("id", longest).update();
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        page.getByLabel("Search").fill(PREFIX);
        assertThat(page.getByTestId("node-count")).hasText((NODES + 1) + " nodes");
        var nodeSorter = page.locator("vaadin-grid-sorter").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Node"));
        nodeSorter.click();
        nodeSorter.click(); // descending: the long one first, among others
        var grid = page.locator("vaadin-grid");
        assertThat(cell(longest)).isVisible();
        Browsers.screenshot(page, "registry-desktop");
        org.assertj.core.api.Assertions.assertThat(Browsers.horizontalOverflow(grid)).as("sideways scrolling (px)")
                .isZero();
        org.assertj.core.api.Assertions.assertThat(Browsers.cutOffTexts(grid)).isEmpty();
    }

    @Test
    void filtersByVersionAndCohortAndKeepsThemInTheAddress() {
        // The version filter offers the versions in use, newest first.
        label("Version").click();
        var options = page.getByRole(AriaRole.OPTION);
        assertThat(options.filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText("1.4.2")))
                .hasCount(1);
        page.keyboard().press("Escape");

        // A shared link opens the registry with its filters applied and shown.
        page.navigate("http://localhost:" + port + "/nodes?q=" + PREFIX + "&cohort=canary&version=1.3.0");
        assertThat(page.getByTestId("node-count")).hasText("2 nodes"); // 000 and 003
        assertThat(cell(PREFIX + "003")).isVisible();
        assertThat(label("Cohort")).containsText("canary"); // spelt as the grid spells it
        assertThat(label("Version")).containsText("1.3.0");
        assertThat(page.getByLabel("Search")).hasValue(PREFIX);

        choose("Cohort", "cohort1");
        assertThat(page.getByTestId("node-count")).hasText("38 nodes"); // i % 3 == 0 and i >= 6
        assertThat(label("Cohort")).containsText("cohort1");
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*cohort=cohort1.*"));
        Browsers.screenshot(page, "registry-filtered");
    }

    @Test
    void unknownValuesInTheAddressAreIgnoredAndSaidAndTheSortIsKeptLikeTheFilters() {
        page.navigate("http://localhost:" + port + "/nodes?q=" + PREFIX + "&tier=FOO&health=bogus");
        assertThat(page.getByTestId("node-count")).hasText(NODES + " nodes");
        assertThat(page.locator("vaadin-notification-card")).containsText(
                "Ignored unknown values in the address: tier=FOO, health=bogus");
        assertThat(page).hasURL("http://localhost:" + port + "/nodes?q=" + PREFIX);
        assertThat(label("Tier")).containsText("All tiers");
        assertThat(label("Health")).containsText("Any health");
        assertThat(page.getByTestId("registry-empty")).isHidden();

        // Descending by node id, kept in the address: a reload keeps it.
        var nodeSorter = page.locator("vaadin-grid-sorter").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Node"));
        nodeSorter.click();
        nodeSorter.click();
        assertThat(cell(PREFIX + "119")).isVisible();
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*sort=nodeId&dir=desc.*"));
        page.reload();
        assertThat(page.getByTestId("node-count")).hasText(NODES + " nodes");
        assertThat(cell(PREFIX + "119")).isVisible();
        assertThat(cell(PREFIX + "000")).hasCount(0);
        assertThat(nodeSorter).hasAttribute("direction", "desc");
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*sort=nodeId&dir=desc.*"));

        // A filter chosen keeps the sort; an unknown sort is ignored like an unknown filter.
        choose("Tier", "GUARDIAN");
        assertThat(page.getByTestId("node-count")).hasText("30 nodes");
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*sort=nodeId&dir=desc.*"));
        assertThat(cell(PREFIX + "116")).isVisible();
        page.navigate("http://localhost:" + port + "/nodes?q=" + PREFIX + "&sort=password");
        assertThat(page.getByTestId("node-count")).hasText(NODES + " nodes");
        assertThat(page.locator("vaadin-notification-card")).containsText("sort=password");
    }

    @Test
    void aRenderBeforeTheAddressFollowsKeepsTheLatestFilterChoice() {
        page.getByLabel("Search").fill(PREFIX);
        choose("Health", "Unhealthy");
        assertThat(page.getByTestId("node-count")).hasText("12 nodes"); // i % 10 == 0
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*health=unhealthy.*"));

        // "Any health" chosen, and in the same moment something else re-renders the screen (here: a space typed
        // after the search text, which the search ignores) before the router has moved to the new address. The
        // screen must not write the old address's "Unhealthy" back into the select: that would choose it again (the
        // benchmark once saw "Any health" undone this way, by a grid answer arriving before the address).
        page.evaluate("""
                ([prefix]) => {
                  const health = [...document.querySelectorAll('vaadin-select')].find((s) => s.label === 'Health');
                  const search = [...document.querySelectorAll('vaadin-text-field')].find((f) => f.label === 'Search');
                  health.value = 'any';
                  search.value = prefix + ' ';
                }""", java.util.List.of(PREFIX));
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.NETWORKIDLE);
        page.waitForTimeout(1000); // the router's pending navigations arrive; a regression applies an older filter
        assertThat(page.getByTestId("node-count")).hasText(NODES + " nodes");
        assertThat(page).not().hasURL(java.util.regex.Pattern.compile(".*health=.*"));
        assertThat(label("Health")).containsText("Any health");
    }

    private com.microsoft.playwright.Locator label(String text) {
        return page.getByLabel(text, new Page.GetByLabelOptions().setExact(true));
    }

    private void choose(String select, String option) {
        label(select).click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName(option).setExact(true)).click();
    }

    private com.microsoft.playwright.Locator cell(String text) {
        return page.locator("vaadin-grid-cell-content").getByText(text, new com.microsoft.playwright.Locator
                .GetByTextOptions().setExact(true));
    }
}
