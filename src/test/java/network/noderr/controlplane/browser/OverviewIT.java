package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.WebSocketRoute;
import com.microsoft.playwright.options.AriaRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.live.LiveEvents;
import network.noderr.controlplane.nodes.NodeChanged;
import network.noderr.controlplane.rollouts.NewRelease;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The Overview and the registry update over Hilla push in real Chromium: a node registering and reporting over the
 * real node API shows up without a reload, and the navbar's connection badge follows the connection (offline,
 * dropped WebSocket) and recovers by itself.
 */
@IntegrationTest
class OverviewIT {

    /** Set in the page after it loaded: still there later means the page was never reloaded. */
    private static final String MARKER = "window.__noderrNoReload";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Rollouts rollouts;

    @Autowired
    LiveEvents live;

    @Autowired
    ApplicationEventPublisher publisher;

    Page page;
    final List<String> createdNodes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        if (page != null) {
            page.context().close();
        }
        for (var id : createdNodes) {
            jdbc.sql("DELETE FROM node_versions WHERE node_id = :id").param("id", id).update();
            jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", id).update();
        }
    }

    @Test
    void aNodeRegisteringAndReportingShowsUpLiveOnTheOverviewAndInTheRegistry() {
        announceOutOfBandChanges();
        page = Browsers.openAs(users, port, "overview-viewer", Role.VIEWER, "Overview");
        assertThat(page.getByTestId("connection-state")).hasText("Live");
        var nodesBefore = nodesInDatabase();
        var healthyBefore = jdbc.sql("SELECT count(*) FROM nodes n JOIN node_versions v ON v.node_id = n.node_id "
                + "WHERE v.health_status = 'healthy'").query(Long.class).single();
        assertThat(page.getByTestId("stat-nodes-value")).hasText(String.valueOf(nodesBefore));
        assertThat(page.getByTestId("stat-healthy-value")).hasText(String.valueOf(healthyBefore));
        page.evaluate(MARKER + " = 'still here'");

        var api = new ApiClient(port);
        var login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL);
        createdNodes.add(login[0]);
        assertThat(page.getByTestId("stat-nodes-value")).hasText(String.valueOf(nodesBefore + 1));

        org.assertj.core.api.Assertions.assertThat(report(api, login, 30).status()).isEqualTo(200);
        assertThat(page.getByTestId("stat-healthy-value")).hasText(String.valueOf(healthyBefore + 1));
        assertThat(page.getByTestId("health-chart").locator("canvas")).isVisible();
        assertThat(page.getByTestId("versions-ALL").locator("canvas")).isVisible();
        assertThat(page.getByTestId("connection-state")).hasText("Live");
        org.assertj.core.api.Assertions.assertThat(page.evaluate(MARKER)).isEqualTo("still here");
        Browsers.screenshot(page, "overview");

        // The registry: a client-side navigation, then the node's row changes in place when it turns unhealthy.
        Browsers.openScreen(page, "Nodes");
        // The search is debounced: until its answer arrives the grid still lists every node, healthy ones among them,
        // so the node's own row is looked at only once the registry shows that one node.
        page.getByLabel("Search").fill(login[0]);
        assertThat(page.getByTestId("node-count")).hasText("1 node");
        var row = page.locator("vaadin-grid-cell-content").getByText("Healthy", new Locator.GetByTextOptions()
                .setExact(true));
        assertThat(row).isVisible();
        org.assertj.core.api.Assertions.assertThat(report(api, login, 99).status()).isEqualTo(200);
        assertThat(page.locator("vaadin-grid-cell-content").getByText("Unhealthy", new Locator.GetByTextOptions()
                .setExact(true))).isVisible();
        assertThat(page.getByTestId("node-count")).hasText("1 node");

        // Clearing the search: a second node registering raises the registry's count, still without a reload.
        page.getByLabel("Search").fill("");
        var allBefore = nodesInDatabase();
        assertThat(page.getByTestId("node-count")).hasText(nodes(allBefore));
        var second = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ALL);
        createdNodes.add(second[0]);
        assertThat(page.getByTestId("node-count")).hasText(nodes(allBefore + 1));
        org.assertj.core.api.Assertions.assertThat(page.evaluate(MARKER)).isEqualTo("still here");
        Browsers.screenshot(page, "registry-live");
    }

    @Test
    void eachCohortsProgressBarIsNamedWithItsCounts() {
        var rollout = rollouts.start(new NewRelease(Tier.ORACLE, "4.9.0", "registry.noderr.network/oracle:4.9.0",
                "sha256:" + "e".repeat(64), "0x" + "f".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
        try {
            page = Browsers.openAs(users, port, "overview-cohorts", Role.VIEWER, "Overview");
            var card = page.getByLabel("Rollout ORACLE 4.9.0");
            // No ORACLE node here: the active canary has no nodes (its bar empty, not full), cohort1 waits.
            var canary = card.getByRole(AriaRole.PROGRESSBAR, new Locator.GetByRoleOptions()
                    .setName("ORACLE 4.9.0 canary: no nodes").setExact(true));
            assertThat(canary).isVisible();
            assertThat(canary).hasAttribute("aria-valuenow", "0");
            assertThat(card.getByRole(AriaRole.PROGRESSBAR, new Locator.GetByRoleOptions()
                    .setName("ORACLE 4.9.0 cohort1: waiting").setExact(true))).isVisible();

            // Label and figures apart, inside each cell, at the narrowest desktop.
            page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
            assertThat(card.getByTestId("overview-cohort-cohort4").locator(".cohort-figures")).hasText("waiting");
            card.scrollIntoViewIfNeeded();
            Browsers.screenshot(page, "overview-rollout-cohorts");
            org.assertj.core.api.Assertions.assertThat(RolloutsIT.labelsRunTogether(
                    card.locator("[data-testid^=overview-cohort-]"))).isEmpty();
        } finally {
            // Through the engine, not SQL: its change event refreshes the Overview the next tests read.
            rollouts.abort(rollout.id(), "test", "test over");
        }
    }

    @Test
    void theSummaryCardsShareOneRowAt1280PxAndWrapIntoEvenRowsBelow() {
        page = Browsers.openAs(users, port, "overview-cards", Role.VIEWER, "Overview");
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        var cards = page.locator(".stat-cards > .stat-card");
        assertThat(cards).hasCount(7);
        org.assertj.core.api.Assertions.assertThat(rows(cards)).as("rows of cards at 1280 px").containsExactly(7);
        // A fleet of 100,000 nodes still fits its card at this width.
        page.getByTestId("stat-nodes-value").evaluate("v => v.textContent = '100,000'");
        org.assertj.core.api.Assertions.assertThat(overflowing(cards)).as("cards whose content is cut off").isEmpty();
        Browsers.screenshot(page.locator(".stat-cards"), "overview-cards-1280");

        // Narrower, they wrap: no row is left with a single card.
        page.setViewportSize(1000, 800);
        var narrow = rows(cards);
        org.assertj.core.api.Assertions.assertThat(narrow).as("rows of cards at 1000 px").hasSizeGreaterThan(1)
                .allSatisfy(n -> org.assertj.core.api.Assertions.assertThat(n).isGreaterThan(1));
        org.assertj.core.api.Assertions.assertThat(overflowing(cards)).isEmpty();
    }

    /** How many cards each row holds, top to bottom. */
    @SuppressWarnings("unchecked")
    private static List<Integer> rows(Locator cards) {
        return ((List<Number>) cards.evaluateAll("""
                cards => {
                  const rows = new Map();
                  for (const c of cards) {
                    const top = Math.round(c.getBoundingClientRect().top);
                    rows.set(top, (rows.get(top) ?? 0) + 1);
                  }
                  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
                }""")).stream().map(Number::intValue).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> overflowing(Locator cards) {
        return (List<String>) cards.evaluateAll("""
                cards => cards.filter((c) => [c, ...c.querySelectorAll('*')]
                    .some((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible'
                      || e.getBoundingClientRect().right > c.getBoundingClientRect().right + 1))
                  .map((c) => c.textContent)""");
    }

    @Test
    void aTierOpensTheRegistryFilteredToIt() {
        var id = "overview-link-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        network.noderr.controlplane.TestNodes.insert(jdbc, id, "GUARDIAN");
        createdNodes.add(id);
        // Rows written straight to the database publish nothing; announce the node as the registry would.
        publisher.publishEvent(new NodeChanged(id, NodeChanged.Kind.REGISTERED));
        page = Browsers.openAs(users, port, "overview-linker", Role.VIEWER, "Overview");
        var guardians = jdbc.sql("SELECT count(*) FROM nodes WHERE tier = 'GUARDIAN'").query(Long.class).single();

        page.getByTestId("versions-GUARDIAN").getByRole(com.microsoft.playwright.options.AriaRole.LINK).click();
        assertThat(page).hasURL(java.util.regex.Pattern.compile(".*/nodes\\?tier=GUARDIAN$"));
        assertThat(page.getByLabel("Tier", new Page.GetByLabelOptions().setExact(true))).containsText("GUARDIAN");
        assertThat(page.getByTestId("node-count")).hasText(nodes(guardians));
    }

    @Test
    void followsTheSystemsDarkColourScheme() {
        if (users.findByUsername("overview-dark").isEmpty()) {
            users.create("overview-dark", "overview-dark-password", Role.VIEWER);
        }
        page = Browsers.newPage(new com.microsoft.playwright.Browser.NewContextOptions()
                .setColorScheme(com.microsoft.playwright.options.ColorScheme.DARK));
        Browsers.logIn(page, port, "overview-dark", "overview-dark-password");
        assertThat(page.getByTestId("connection-state")).hasText("Live");
        org.assertj.core.api.Assertions.assertThat(backgroundLuminance(page)).isLessThan(0.2);
        Browsers.screenshot(page, "overview-dark");

        var light = Browsers.newPage(new com.microsoft.playwright.Browser.NewContextOptions()
                .setColorScheme(com.microsoft.playwright.options.ColorScheme.LIGHT));
        try {
            Browsers.logIn(light, port, "overview-dark", "overview-dark-password");
            org.assertj.core.api.Assertions.assertThat(backgroundLuminance(light)).isGreaterThan(0.8);
        } finally {
            light.context().close();
        }
    }

    /** Relative brightness 0..1 of the page's background (the {@code html} element's, which Lumo paints). */
    private static double backgroundLuminance(Page page) {
        var rgb = (String) page.evaluate("getComputedStyle(document.documentElement).backgroundColor");
        var parts = rgb.replaceAll("[^0-9,.]", "").split(",");
        org.assertj.core.api.Assertions.assertThat(parts.length == 3 || Double.parseDouble(parts[3]) > 0.9)
                .as("an opaque background: %s", rgb).isTrue();
        return (0.2126 * Double.parseDouble(parts[0]) + 0.7152 * Double.parseDouble(parts[1])
                + 0.0722 * Double.parseDouble(parts[2])) / 255;
    }

    @Test
    void theConnectionBadgeShowsOfflineAndReconnectingAndRecoversByItself() {
        var sockets = new CopyOnWriteArrayList<WebSocketRoute[]>();
        if (users.findByUsername("badge-viewer").isEmpty()) {
            users.create("badge-viewer", "badge-viewer-password", Role.VIEWER);
        }
        announceOutOfBandChanges();
        page = Browsers.newPage();
        // Every push WebSocket goes through the test, which can drop it as a network would.
        page.routeWebSocket(Pattern.compile(".*/HILLA/push.*"), ws -> {
            var server = ws.connectToServer();
            sockets.add(new WebSocketRoute[] {ws, server});
        });
        Browsers.logIn(page, port, "badge-viewer", "badge-viewer-password");
        var badge = page.getByTestId("connection-state");
        assertThat(badge).hasText("Live");
        page.evaluate(MARKER + " = 'still here'");

        page.context().setOffline(true);
        assertThat(badge).hasText("Offline");
        Browsers.screenshot(page, "connection-offline");
        page.context().setOffline(false);
        assertThat(badge).hasText("Live");

        // The server end goes away: the client notices, says so, reconnects on its own and subscribes again.
        var open = sockets.getLast();
        open[0].close();
        open[1].close();
        assertThat(badge).hasText("Reconnecting…");
        Browsers.screenshot(page, "connection-reconnecting");
        assertThat(badge).hasText("Live", new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions()
                .setTimeout(30_000));
        org.assertj.core.api.Assertions.assertThat(sockets).hasSizeGreaterThan(1);

        // Live again: a change made now still reaches the page.
        var nodesBefore = nodesInDatabase();
        assertThat(page.getByTestId("stat-nodes-value")).hasText(String.valueOf(nodesBefore));
        var login = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(), Tier.ALL);
        createdNodes.add(login[0]);
        assertThat(page.getByTestId("stat-nodes-value")).hasText(String.valueOf(nodesBefore + 1));
        org.assertj.core.api.Assertions.assertThat(page.evaluate(MARKER)).isEqualTo("still here");
    }

    /**
     * Other tests add and delete rows straight in the database, which publishes no live event: announce a change so
     * the overview is computed afresh instead of served from its (short-lived) cache.
     */
    private void announceOutOfBandChanges() {
        var sequence = live.sequence();
        publisher.publishEvent(new NodeChanged("overview-it", NodeChanged.Kind.REINSTATED));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> live.sequence() > sequence);
    }

    private static String nodes(long n) {
        return n + (n == 1 ? " node" : " nodes");
    }

    private long nodesInDatabase() {
        return jdbc.sql("SELECT count(*) FROM nodes").query(Long.class).single();
    }

    private static ApiClient.Response report(ApiClient api, String[] login, double cpu) {
        return api.post("/api/v1/health", Map.of("nodeId", login[0], "version", "1.0.0", "metrics",
                Map.of("uptime", 60, "cpu", cpu, "memory", 40.0, "errors", 0), "timestamp",
                Instant.now().toString()), login[1]);
    }
}
