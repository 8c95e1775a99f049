package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.sql.Timestamp;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.beacon.Beacon;
import network.noderr.controlplane.beacon.ReleaseRequest;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.shared.Tier;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * A release manager publishes ORACLE versions in the Releases screen in real Chromium: each is confirmed on the real
 * chain with the transaction hash the chain returns, its rollout starts, and an emergency rollback (typed
 * confirmation, reason) points the chain back at the earlier version.
 */
@IntegrationTest
class ReleasesIT {

    private static final AtomicInteger SEQ = new AtomicInteger();

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Beacon beacon;

    @Autowired
    Rollouts rollouts;

    Page page;

    @AfterEach
    void close() {
        if (page != null) {
            page.context().close();
        }
        abortOracleRollouts();
    }

    @Test
    void publishesOnChainSeesItConfirmedAndRollsBack() throws Exception {
        abortOracleRollouts();
        page = Browsers.openAs(users, port, "releases-browser", Role.RELEASE_MANAGER, "Releases");
        assertThat(page.getByTestId("chain-status")).hasAttribute("data-status", "ok");

        var consoleErrors = new java.util.concurrent.CopyOnWriteArrayList<String>();
        page.onConsoleMessage(m -> {
            if ("error".equals(m.type())) {
                consoleErrors.add(m.text());
            }
        });
        var form = page.getByTestId("publish-form");
        // An empty form shows what is missing, and its checks run without errors.
        form.getByText("Publish on-chain").click();
        assertThat(form.locator("vaadin-text-field[invalid]")).hasCount(4);
        assertThat(page.getByTestId("publish-confirm-message")).isHidden();
        assertThat(consoleErrors).as("console errors").isEmpty();

        // The image must be an image reference (the browser checks the server's rule before asking to confirm).
        fill(form, version(), 0);
        form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true)).fill("not an image ref");
        form.getByText("Publish on-chain").click();
        assertThat(form.getByText("must be an image reference")).isVisible();
        assertThat(page.getByTestId("publish-confirm-message")).isHidden();

        // Should the server's checks refuse what the browser let through (here the request is changed on its way),
        // the refusal shows under its field and what was typed stays.
        var typedVersion = form.getByLabel("Version").inputValue();
        form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                .fill("registry.noderr.network/oracle:" + typedVersion);
        assertThat(form.getByText("must be an image reference")).hasCount(0);
        page.route("**/connect/ReleasesService/publish", route -> route.resume(new com.microsoft.playwright.Route
                .ResumeOptions().setPostData(route.request().postData()
                        .replace("registry.noderr.network/oracle:" + typedVersion, "not an image ref"))));
        form.getByText("Publish on-chain").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish now")).click();
        assertThat(form.getByText("must be an image reference")).isVisible();
        assertThat(page.getByText("Nothing was published: Image: must be an image reference")).isVisible();
        assertThat(form.getByLabel("Version")).hasValue(typedVersion);
        page.unrouteAll();
        assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE version_string = :v")
                .param("v", typedVersion).query(Long.class).single()).as("nothing sent").isZero();
        page.reload();
        form.getByLabel("Image digest").fill("sha256:not-a-digest");
        form.getByLabel("Version").fill("1.2");
        form.getByText("Publish on-chain").click();
        assertThat(form.locator("vaadin-text-field[invalid]")).not().hasCount(0);
        assertThat(form.getByText("must be ALL, ORACLE or GUARDIAN")).isVisible(); // no tier chosen yet
        assertThat(page.getByTestId("publish-confirm-message")).isHidden(); // nothing to confirm while invalid

        // Publishing asks first, naming the tier, the version and what follows; Cancel sends nothing.
        var cancelled = version();
        fill(form, cancelled, 0);
        form.getByLabel("Config hash").press("Enter"); // Enter in a field asks, as the button does

        var confirmation = page.getByTestId("publish-confirm-message");
        assertThat(page.getByText("Publish ORACLE " + cancelled + "?")).isVisible();
        assertThat(confirmation).containsText("canary (5 % of the tier's nodes) updates at once");
        assertThat(confirmation).containsText("registry.noderr.network/oracle:" + cancelled);
        Browsers.screenshot(page, "releases-publish-confirm");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(confirmation).isHidden();
        assertThat(form.getByLabel("Version")).hasValue(cancelled); // nothing lost: edit it or publish it
        assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE version_string = :v")
                .param("v", cancelled).query(Long.class).single()).as("nothing sent").isZero();

        var first = version();
        publish(form, first, 1);
        // The form is empty again: no tier is preselected for the next publish.
        assertThat(form.getByLabel("Version")).hasValue("");
        assertThat(form.locator("vaadin-select").evaluate("s => s.value || ''")).as("tier chosen after a publish")
                .isEqualTo("");
        assertThat(status(first)).hasAttribute("data-status", "confirmed");
        var txHash = tx(first).getAttribute("data-tx");
        try (var chain = new ChainClient()) {
            var receipt = chain.web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt().orElseThrow();
            assertThat(receipt.isStatusOK()).isTrue();
            assertThat(tx(first).locator("xpath=..")).containsText("block " + receipt.getBlockNumber());
        }
        assertThat(page.getByTestId("current-ORACLE")).hasText(first);
        assertThat(jdbc.sql("SELECT count(*) FROM deployments WHERE tier = 'ORACLE' AND version_string = :v "
                + "AND status = 'active'").param("v", first).query(Long.class).single()).as("rollout started").isOne();
        Browsers.screenshot(page, "releases-published");

        // The tier card shows the open rollout, and the form says up front that the tier cannot publish meanwhile.
        assertThat(page.getByTestId("open-rollout-ORACLE")).containsText("Rolling out " + first);
        form.locator("vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("ORACLE").setExact(true)).click();
        assertThat(page.getByTestId("publish-rollout-open")).containsText("ORACLE is still rolling out " + first);
        // The next version may only start once this rollout is over: completed, the tier runs it, so the emergency
        // rollback below may return there.
        jdbc.sql("UPDATE deployments SET status = 'completed' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
        assertThat(page.getByTestId("open-rollout-ORACLE")).isHidden();
        assertThat(page.getByTestId("publish-rollout-open")).isHidden();
        var second = version();
        publish(form, second, 2);
        assertThat(status(second)).hasAttribute("data-status", "confirmed");
        assertThat(page.getByTestId("current-ORACLE")).hasText(second);
        // The usual case: the release is found bad after its rollout completed.
        jdbc.sql("UPDATE deployments SET status = 'completed' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();

        // The Versions list shows another tier: the rollback still offers ORACLE's own earlier versions.
        page.locator(".releases-list vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("GUARDIAN").setExact(true)).click();
        assertThat(tx(first)).hasCount(0);
        page.getByTestId("rollback-ORACLE").click();
        var dialog = page.getByTestId("rollback-dialog");
        var rollBack = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Roll back now"));
        assertThat(page.getByTestId("rollback-missing")).containsText("give a reason");
        assertThat(page.getByTestId("rollback-missing")).containsText("type ORACLE to confirm");
        dialog.locator("vaadin-select").click();
        var earlier = page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName(first));
        assertThat(earlier).isVisible();
        // The current version is no rollback target.
        assertThat(page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName(second))).hasCount(0);
        earlier.click();
        dialog.getByLabel("Reason").fill("settlement adapter crash loop");
        dialog.getByLabel("Type ORACLE to confirm").fill("ORACL");
        assertThat(rollBack).isDisabled();
        assertThat(page.getByTestId("rollback-missing")).hasText("To roll back, type ORACLE to confirm.");
        dialog.getByLabel("Type ORACLE to confirm").press("Enter");
        assertThat(dialog).isVisible(); // Enter does nothing while the confirmation is wrong
        dialog.getByLabel("Type ORACLE to confirm").press("Escape");
        assertThat(dialog).isVisible(); // a stray Escape keeps what is typed
        dialog.getByLabel("Type ORACLE to confirm").fill("oracle"); // any case confirms
        assertThat(page.getByTestId("rollback-missing")).isHidden();
        assertThat(rollBack).isEnabled();
        Browsers.screenshot(page, "releases-emergency-rollback");
        dialog.getByLabel("Type ORACLE to confirm").press("Enter");

        assertThat(page.getByTestId("current-ORACLE")).hasText(first);
        // Its rollout keeps status completed (api.md) but is rolled back, as the confirmation says (it said
        // "rollout … is completed" right after the rollback).
        assertThat(page.locator("vaadin-notification-card").filter(new Locator.FilterOptions()
                .setHasText("rolled back to " + first + " on-chain")))
                .containsText("rollout " + second + " is rolled back.");
        var rollbackTx = page.locator("[data-kind='ROLLBACK'][data-version='" + first + "']");
        assertThat(rollbackTx).hasAttribute("data-tx", java.util.regex.Pattern.compile("0x[0-9a-f]{64}"));
        try (var chain = new ChainClient()) {
            var receipt = chain.web3j.ethGetTransactionReceipt(rollbackTx.getAttribute("data-tx")).send()
                    .getTransactionReceipt().orElseThrow();
            assertThat(receipt.isStatusOK()).as("the rollback shown is the one the chain mined").isTrue();
        }
        assertThat(dialog).isHidden();
        Browsers.screenshot(page, "releases-rolled-back");

        // On the narrowest desktop no version, transaction or time is cut off (the block sits under the hash).
        page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
        page.locator(".releases-list vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("All tiers")).click();
        assertThat(tx(first)).isVisible();
        org.assertj.core.api.Assertions.assertThat(Browsers.cutOffTexts(page.locator("main"))).isEmpty();
        // ... and neither list has to be scrolled sideways to see its last columns.
        Browsers.screenshot(page.locator(".releases-list"), "releases-versions-desktop");
        Browsers.screenshot(page.locator(".transactions-list"), "releases-transactions-desktop");
        org.assertj.core.api.Assertions.assertThat(Browsers.horizontalOverflow(page.getByTestId("releases-grid")))
                .as("Versions scrolling sideways (px)").isZero();
        org.assertj.core.api.Assertions.assertThat(Browsers.horizontalOverflow(
                page.getByTestId("transactions-grid"))).as("Chain transactions scrolling sideways (px)").isZero();
        assertThat(jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = 'ORACLE'").query(String.class)
                .single()).isEqualTo(first);
        assertThat(jdbc.sql("SELECT status FROM deployments WHERE tier = 'ORACLE' AND version_string = :v")
                .param("v", second).query(String.class).single()).isEqualTo("completed");

        // The audit log has the dashboard's actions with who, from where and the reason typed.
        var audit = jdbc.sql("""
                        SELECT action || '|' || outcome || '|' || coalesce(source_address, '') || '|' || coalesce(detail, '')
                        FROM audit_log WHERE actor = 'releases-browser' ORDER BY id""").query(String.class).list();
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("ReleasesService.publish|success|")
                .contains("versionString=" + first));
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("ReleasesService.emergencyRollback|success|")
                .contains("toVersion=" + first).containsPattern("\\|(127\\.0\\.0\\.1|0:0:0:0:0:0:0:1)\\|"));
    }

    @Test
    void aRolledBackFirstReleaseShowsOnItsTierCardUntilAFixIsPublished() {
        abortOracleRollouts();
        var version = version();
        beacon.publish(new ReleaseRequest(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                "sha256:" + String.format("%064x", 8192), "0x" + "cd".repeat(32)), "releases-first");
        var rolloutId = waitForRollout(version);
        // The shared test database has ORACLE releases from other tests: dated before all of them, this one is the
        // tier's first, so an automatic rollback has nothing earlier to return to.
        var releaseId = jdbc.sql("SELECT release_id FROM deployments WHERE id = :id").param("id", rolloutId)
                .query(UUID.class).single();
        var publishedAt = jdbc.sql("SELECT created_at FROM releases WHERE id = :id").param("id", releaseId)
                .query(Timestamp.class).single();
        var suspended = jdbc.sql("""
                        UPDATE nodes SET status = 'SUSPENDED' WHERE tier = 'ORACLE' AND status = 'ACTIVE'
                        RETURNING node_id""").query(String.class).list();
        var prefix = "first-oracle-" + SEQ.incrementAndGet() + "-";
        try {
            jdbc.sql("""
                            UPDATE releases SET created_at = (SELECT min(created_at) FROM releases WHERE tier = 'ORACLE')
                                - interval '1 day'
                            WHERE id = :id""").param("id", releaseId).update();
            // Three canary nodes updated and turned unhealthy: over the limit, with the minimum sample behind it.
            for (int i = 0; i < 3; i++) {
                TestNodes.insert(jdbc, prefix + i, "ORACLE");
                jdbc.sql("""
                                INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                    last_health_check) VALUES (:id, 'ORACLE', :v, 'canary', 'unhealthy', now())""")
                        .param("id", prefix + i).param("v", version).update();
            }
            rollouts.reconcileAll();
            assertThat(jdbc.sql("SELECT status FROM deployments WHERE id = :id").param("id", rolloutId)
                    .query(String.class).single()).isEqualTo("rolled_back");

            page = Browsers.openAs(users, port, "releases-viewer", Role.VIEWER, "Releases");
            // The chain still points at the release (nothing earlier to point at): the card says it was rolled back
            // and that the tier stays on it until a fixed release is published.
            assertThat(page.getByTestId("current-ORACLE")).hasText(version);
            var note = page.getByTestId("rolled-back-ORACLE");
            assertThat(note).containsText(version + " was rolled back");
            assertThat(note).containsText("automatic rollback: canary:");
            assertThat(note).containsText("ORACLE has no earlier release to return to: it stays on " + version
                    + " (nodes that updated keep running it) until you publish a fixed release");
            assertThat(page.getByTestId("rolled-back-ALL")).hasCount(0);
            var badge = page.getByTestId("rolled-back-badge-ORACLE-" + version);
            assertThat(badge).hasText("rolled back");
            Browsers.screenshot(page, "releases-first-release-rolled-back");

            // A fixed release is published: its rollout is the tier's now, and the note goes.
            var fix = version();
            beacon.publish(new ReleaseRequest(Tier.ORACLE, fix, "registry.noderr.network/oracle:" + fix,
                    "sha256:" + String.format("%064x", 8193), "0x" + "cd".repeat(32)), "releases-first");
            waitForRollout(fix);
            assertThat(page.getByTestId("current-ORACLE")).hasText(fix);
            assertThat(note).hasCount(0);
            assertThat(badge).hasText("rolled back"); // the Versions list keeps the mark
            assertThat(page.getByTestId("rolled-back-badge-ORACLE-" + fix)).hasCount(0);
        } finally {
            jdbc.sql("UPDATE releases SET created_at = :at WHERE id = :id").param("at", publishedAt)
                    .param("id", releaseId).update();
            jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
            jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
            if (!suspended.isEmpty()) {
                jdbc.sql("UPDATE nodes SET status = 'ACTIVE' WHERE node_id IN (:ids)").param("ids", suspended)
                        .update();
            }
        }
    }

    @Test
    void aVersionBelowWhatTheTierRunsIsNamedBeforeItIsPublished() {
        abortOracleRollouts();
        var current = version();
        beacon.publish(new ReleaseRequest(Tier.ORACLE, current, "registry.noderr.network/oracle:" + current,
                "sha256:" + String.format("%064x", 12288 + SEQ.get()), "0x" + "cd".repeat(32)), "releases-downgrade");
        waitForRollout(current);
        abortOracleRollouts();
        // Nodes of the tier already run later versions (say, a fix that reached them before its release was
        // withdrawn): two run 9.1.0, one 9.0.5, and a suspended one 9.9.0 (it updates to nothing, so it does not count).
        var prefix = "downgrade-oracle-" + SEQ.incrementAndGet() + "-";
        var running = java.util.List.of("9.1.0", "9.1.0", "9.0.5", "9.9.0");
        try {
            for (int i = 0; i < running.size(); i++) {
                TestNodes.insert(jdbc, prefix + i, "ORACLE");
                jdbc.sql("""
                                INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                    last_health_check) VALUES (:id, 'ORACLE', :v, 'cohort1', 'healthy', now())""")
                        .param("id", prefix + i).param("v", running.get(i)).update();
            }
            jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", prefix + 3).update();
            page = Browsers.openAs(users, port, "releases-downgrader", Role.RELEASE_MANAGER, "Releases");
            assertThat(page.getByTestId("current-ORACLE")).hasText(current);
            var form = page.getByTestId("publish-form");
            var warning = page.getByTestId("publish-downgrade");

            // Above everything the tier runs: no warning.
            var above = "9.10." + SEQ.incrementAndGet(); // 9.10 comes after 9.9: numbers, not text
            fill(form, above, 3);
            form.getByText("Publish on-chain").click();
            assertThat(page.getByText("Publish ORACLE " + above + "?")).isVisible();
            assertThat(warning).hasCount(0);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish now")))
                    .isVisible();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();

            // Between the published version and what the nodes run: the nodes are named.
            var between = "9.0.4";
            fill(form, between, 4);
            form.getByText("Publish on-chain").click();
            assertThat(warning).hasText(between + " is lower than what ORACLE runs: 2 nodes run 9.1.0 (3 nodes run a "
                    + "version above " + between + "). Publishing it moves the tier down to " + between
                    + "; go ahead only if that is what you mean.");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();

            // Below the tier's published version too: both are named, and it asks for a deliberate confirmation.
            var lower = "1." + (System.currentTimeMillis() / 1000 % 100_000) + "." + SEQ.incrementAndGet();
            fill(form, lower, 5);
            form.getByText("Publish on-chain").click();
            assertThat(warning).containsText(lower + " is lower than what ORACLE runs: its current version is "
                    + current + "; 2 nodes run 9.1.0 (3 nodes run a version above " + lower + ").");
            Browsers.screenshot(page, "releases-publish-downgrade");
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish now")))
                    .hasCount(0);
            var publishLower = page.getByRole(AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Publish lower version"));
            // A confirmation, not a block: confirmed, the lower version is sent.
            publishLower.click();
            assertThat(status(lower)).hasAttribute("data-status", "confirmed");
            assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE version_string = :v")
                    .param("v", lower).query(Long.class).single()).isOne();
        } finally {
            jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
            jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        }
    }

    /** Syncs the chain until the publish is mined and indexed, which starts the release's rollout. */
    private UUID waitForRollout(String version) {
        var deadline = java.time.Instant.now().plusSeconds(30);
        while (true) {
            beacon.sync();
            var id = jdbc.sql("SELECT id FROM deployments WHERE tier = 'ORACLE' AND version_string = :v")
                    .param("v", version).query(UUID.class).optional();
            if (id.isPresent()) {
                return id.get();
            }
            assertThat(java.time.Instant.now()).as("rollout of %s started", version).isBefore(deadline);
        }
    }

    private void publish(Locator form, String version, int seed) {
        fill(form, version, seed);
        form.getByText("Publish on-chain").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish now")).click();
    }

    private void fill(Locator form, String version, int seed) {
        Browsers.dialogsClosed(page); // e.g. the confirmation just cancelled: it would close the select again
        form.locator("vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("ORACLE").setExact(true)).click();
        form.getByLabel("Version").fill(version);
        form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                .fill("registry.noderr.network/oracle:" + version);
        form.getByLabel("Image digest").fill("sha256:" + String.format("%064x", seed + 4096));
        form.getByLabel("Config hash").fill("0x" + "ab".repeat(32));
    }

    private Locator status(String version) {
        return page.locator("[data-status][data-version='" + version + "']");
    }

    private Locator tx(String version) {
        return page.locator("code.tx[data-version='" + version + "']");
    }

    private static String version() {
        return "8." + (System.currentTimeMillis() / 1000 % 100_000) + "." + SEQ.incrementAndGet();
    }

    private void abortOracleRollouts() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    private static final class ChainClient implements AutoCloseable {
        final Web3j web3j = Web3j.build(new HttpService(TestChain.settings().rpcUrl()));

        @Override
        public void close() {
            web3j.shutdown();
        }
    }
}
