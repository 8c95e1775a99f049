package network.noderr.agent.dashboard;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.simulate.Fleet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin workflows end to end: the packaged control plane (its production frontend bundle, embedded PostgreSQL
 * and chain), the agent's fleet simulator as the nodes on the real node protocol, and the dashboard in real
 * Chromium. Each workflow uses its own tier, so the workflows do not depend on each other's order.
 */
class DashboardWorkflowIT {

    private static TestControlPlane controlPlane;
    private Page page;

    @BeforeAll
    static void start() throws Exception {
        // The reconciler every second instead of every 10 s: automatic rollbacks show up quickly.
        com.microsoft.playwright.assertions.PlaywrightAssertions.setDefaultAssertionTimeout(30_000);
        controlPlane = TestControlPlane.start(Map.of("NODERR_ROLLOUTS_RECONCILE_INTERVAL", "PT1S"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    @AfterEach
    void closePage() {
        if (page != null) {
            page.context().close();
        }
    }

    @Test
    void approvedOperatorsNodeRegistersAndAppearsInTheRegistryLive() throws Exception {
        var operator = "Workflow Operator " + System.nanoTime();
        controlPlane.post("/api/v1/applications", application(operator, "GUARDIAN"), 201);
        page = Dashboard.logIn(controlPlane.base(), "admin", TestControlPlane.ADMIN_PASSWORD);

        Dashboard.open(page, "Applications");
        page.getByText(operator).click();
        page.getByLabel("Application details").getByText("Approve…").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and issue token")).click();
        var token = page.getByTestId("install-token").locator("textarea").inputValue();
        assertThat(token).startsWith("nit_");
        Dashboard.screenshot(page, "workflow-approve-token");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();

        Dashboard.open(page, "Nodes");
        Dashboard.choose(page, "Tier", "GUARDIAN");
        assertThat(page.getByTestId("node-count")).hasText("0 nodes");
        page.evaluate("() => { window.__noReload = true; }");

        try (var fleet = new Fleet(options("GUARDIAN", 0, 0, 0))) {
            var nodeId = fleet.join(token);
            fleet.round();
            assertThat(page.getByText(nodeId)).isVisible();
            assertThat(page.getByTestId("node-count")).hasText("1 node");
            assertThat(page.evaluate("() => window.__noReload === true")).as("shown without a reload").isEqualTo(true);
            Dashboard.screenshot(page, "workflow-node-registered-live");
        }
        try (var again = new Fleet(options("GUARDIAN", 0, 0, 0))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> again.join(token))
                    .as("the token shown once is single-use").hasMessageContaining("HTTP 409").hasMessageContaining("already registered a node");
        }
    }

    @Test
    void releaseManagerPublishesOracleWatchesTheCanaryPromotesPausesResumesThenRollsBack() throws Exception {
        try (var fleet = new Fleet(options("ORACLE", 200, 0, 0))) {
            assertThat(fleet.register()).isEqualTo(200);
            fleet.round(); // every node reports its health once, as a started agent does
            baseline("ORACLE");
            page = Dashboard.logIn(controlPlane.base(), "admin", TestControlPlane.ADMIN_PASSWORD);

            Dashboard.open(page, "Releases");
            var form = page.getByTestId("publish-form");
            Dashboard.choose(form, page, "ORACLE");
            form.getByLabel("Version").fill("1.1.0");
            form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                    .fill("registry.noderr.network/oracle:1.1.0");
            form.getByLabel("Image digest").fill("sha256:" + "1a".repeat(32));
            form.getByLabel("Config hash").fill("0x" + "ab".repeat(32));
            form.getByText("Publish on-chain").click();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish now")).click();
            assertThat(page.locator("[data-status][data-version='1.1.0']"))
                    .hasAttribute("data-status", "confirmed");
            assertThat(page.getByTestId("current-ORACLE")).hasText("1.1.0");
            Dashboard.screenshot(page, "workflow-oracle-published");

            Dashboard.open(page, "Rollouts");
            var card = page.getByLabel("Rollout ORACLE 1.1.0");
            assertThat(card.getByTestId("rollout-phase")).hasText("canary");
            fleet.round(); // the canary's nodes learn the version and report their updates
            var updatedAll = Pattern.compile("([1-9]\\d*) / \\1 updated");
            assertThat(card.getByTestId("cohort-canary")).containsText(updatedAll);
            Dashboard.screenshot(page, "workflow-canary-progress");

            card.getByText("Promote next cohort").click();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Promote now")).click();
            assertThat(card.getByTestId("rollout-phase")).hasText("cohort1");
            fleet.round();
            assertThat(card.getByTestId("cohort-cohort1")).containsText(updatedAll);

            card.getByText("Pause…").click();
            page.getByLabel("Reason (shown in the timeline)").fill("exchange maintenance window");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Pause rollout")).click();
            assertThat(card.getByTestId("rollout-phase")).hasText("paused");
            assertThat(card.getByTestId("rollout-message")).containsText("exchange maintenance window");
            card.getByText("Resume").click();
            assertThat(card.getByTestId("rollout-phase")).hasText("cohort1");
            Dashboard.screenshot(page, "workflow-rollout-resumed");
            long onNew = total("ORACLE", "1.1.0");
            assertThat(onNew).as("canary and cohort 1 updated, the rest waits").isBetween(1L, 199L);

            // The Overview shows the rollout in progress; the registry, filtered by a shared address, its nodes.
            Dashboard.open(page, "Overview");
            assertThat(page.getByLabel("Rollout ORACLE 1.1.0")).isVisible();
            assertThat(page.getByTestId("tier-ORACLE-count")).containsText("200 nodes");
            Dashboard.closeToasts(page);
            Dashboard.screenshot(page, "workflow-overview");
            page.navigate(controlPlane.base().resolve("/nodes?tier=ORACLE&version=1.1.0").toString());
            assertThat(page.getByTestId("node-count")).hasText(onNew + " nodes");
            Dashboard.screenshot(page, "workflow-registry-filtered");

            // On-call rolls the tier back in a hurry: typed confirmation and a reason.
            Dashboard.open(page, "Releases");
            page.getByTestId("rollback-ORACLE").click();
            var dialog = page.getByTestId("rollback-dialog");
            dialog.locator("vaadin-select").click();
            page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("1.0.0")).click();
            dialog.getByLabel("Reason").fill("price feed drift after 1.1.0");
            var rollBack = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Roll back now"));
            assertThat(rollBack).isDisabled();
            dialog.getByLabel("Type ORACLE to confirm").fill("ORACLE");
            rollBack.click();
            assertThat(page.getByTestId("current-ORACLE")).hasText("1.0.0");

            fleet.round(); // every node hears the emergency and goes back
            assertThat(total("ORACLE", "1.1.0")).as("no node left on the bad version").isZero();
            assertThat(total("ORACLE", "1.0.0")).isEqualTo(200);
            assertThat(fleet.errors()).isZero();

            Dashboard.open(page, "Audit log");
            var filters = page.getByTestId("audit-filters");
            filters.getByLabel("Action").fill("emergencyRollback");
            filters.getByLabel("Action").press("Enter");
            var grid = page.getByTestId("audit-grid");
            assertThat(grid).containsText("price feed drift after 1.1.0");
            assertThat(grid).containsText("admin");
            assertThat(grid).containsText("Releases: emergency rollback");
            Dashboard.screenshot(page, "workflow-rollback-audited");
        }
    }

    @Test
    void aFailingCanaryIsRolledBackAutomaticallyWithItsReasonAndAnAlert() throws Exception {
        try (var fleet = new Fleet(options("ALL", 200, 0, 1.0))) {
            assertThat(fleet.register()).isEqualTo(200);
            baseline("ALL");
            controlPlane.post(TestControlPlane.PUBLISH_ANY_VERSION, release("ALL", "1.1.0"), 202);
            var rollout = awaitActiveRollout("ALL", "1.1.0");
            // The canary's nodes try 1.1.0, fail their health window and report ROLLED_BACK. They check again each
            // round, as agents poll: a round that came before the control plane's answer named 1.1.0 moves no node.
            fleet.round();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                if ("rolled_back".equals(controlPlane.get("/api/v1/admin/rollouts/" + rollout).path("status")
                        .asText())) {
                    return true;
                }
                fleet.round();
                return false;
            });

            page = Dashboard.logIn(controlPlane.base(), "admin", TestControlPlane.ADMIN_PASSWORD);
            Dashboard.open(page, "Rollouts");
            page.getByText(Pattern.compile("Finished rollouts")).click();
            var card = page.getByLabel("Rollout ALL 1.1.0");
            assertThat(card.getByTestId("rollout-phase")).hasText("rolled back");
            assertThat(card.getByTestId("rollout-message")).containsText("canary");
            assertThat(card.getByTestId("rollout-message")).containsText("fail");
            Dashboard.screenshot(page, "workflow-automatic-rollback");

            Dashboard.open(page, "Alerts");
            var alert = page.getByTestId("alert").filter(new Locator.FilterOptions()
                    .setHasText("Automatic rollback of ALL 1.1.0"));
            assertThat(alert).isVisible();
            assertThat(alert).containsText("critical");
            Dashboard.screenshot(page, "workflow-automatic-rollback-alert");

            fleet.round();
            assertThat(total("ALL", "1.1.0")).as("failing nodes stayed on the old version").isZero();
        }
    }

    /** 1.0.0 on-chain for {@code tier} (what the fleet runs), its rollout closed: the starting point. */
    private static void baseline(String tier) throws Exception {
        controlPlane.post(TestControlPlane.PUBLISH_ANY_VERSION, release(tier, "1.0.0"), 202);
        var id = awaitActiveRollout(tier, "1.0.0");
        controlPlane.post("/api/v1/admin/rollouts/" + id + "/abort", Map.of(), 200);
    }

    private static String awaitActiveRollout(String tier, String version) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            var list = controlPlane.get("/api/v1/admin/rollouts?tier=" + tier + "&status=active");
            return list.size() > 0 && list.get(0).get("versionString").asText().equals(version)
                    ? list.get(0).get("id").asText() : null;
        }, java.util.Objects::nonNull);
    }

    private static Map<String, Object> release(String tier, String version) {
        return Map.of("tier", tier, "versionString", version,
                "imageRef", "registry.noderr.network/" + tier.toLowerCase(java.util.Locale.ROOT) + ":" + version,
                "imageDigest", "sha256:" + String.format("%064x", version.hashCode() & 0xffffffffL),
                "configHash", "0x" + "0".repeat(63) + "1");
    }

    private static long total(String tier, String version) throws Exception {
        return controlPlane.get("/api/v1/admin/nodes?size=1&tier=" + tier + "&version=" + version).get("total")
                .asLong();
    }

    private static Map<String, Object> application(String operator, String tier) {
        return Map.of("operatorName", operator, "email", "workflow@example.org", "walletAddress", "0x" + "ab".repeat(20),
                "requestedTier", tier, "hardware", Map.of("cpuCores", 32, "memoryGb", 128, "diskGb", 4000,
                        "networkMbps", 10000, "gpu", true));
    }

    private static Fleet.Options options(String tier, int nodes, double unhealthy, double failing) {
        return new Fleet.Options(controlPlane.base(), TestControlPlane.ADMIN_TOKEN, tier, nodes, Duration.ofSeconds(30),
                unhealthy, failing, "1.0.0");
    }

}
