package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.rollouts.NewRelease;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A release manager drives a rollout from the Rollouts screen in real Chromium; a viewer only watches. */
@IntegrationTest
class RolloutsIT {

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

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
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    private void startRollout(String version) {
        rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                "sha256:" + "e".repeat(64), "0x" + "f".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
    }

    private void logInAs(String username, Role role) {
        page = Browsers.openAs(users, port, username, role, "Rollouts");
    }

    @Test
    void releaseManagerPromotesPausesResumesAndAborts() {
        startRollout("4.1.0");
        logInAs("rm-browser", Role.RELEASE_MANAGER);
        var card = page.getByLabel("Rollout ORACLE 4.1.0");
        assertThat(card.getByTestId("rollout-phase")).hasText("canary");
        assertThat(card.getByTestId("rollout-limits"))
                .hasText("rolls back above 10% unhealthy or 5% failed updates when at least 3 nodes of 2 operators back"
                        + " it (fewer pause it) · next cohort at 90% updated");
        assertThat(card.locator("vaadin-progress-bar")).hasCount(5);
        // When the next cohort starts by itself, and what else starts it.
        assertThat(card.getByTestId("next-cohort-due")).containsText("cohort1 starts by itself in ");
        assertThat(card.getByTestId("next-cohort-due")).containsText("if canary has 90% of its nodes updated, or now "
                + "with Promote");
        // Ages keep counting while the screen is open, without a reload or a change to the rollout.
        var started = card.getByTestId("rollout-started").textContent();
        assertThat(card.getByTestId("rollout-started")).not().hasText(started,
                new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(15_000));

        // Promote skips cohort1's wait and the canary's health gate, so it asks first and says so; cancel does nothing.
        card.getByText("Promote next cohort").click();
        var message = page.getByTestId("confirm-message");
        assertThat(message).containsText("cohort1 becomes active now");
        assertThat(message).containsText("Its health gate is skipped: cohort1 starts even if canary is not healthy");
        Browsers.screenshot(page, "rollout-promote-confirm");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(message).isHidden();
        assertThat(card.getByTestId("cohort-cohort1")).containsText("waiting");

        card.getByText("Promote next cohort").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Promote now")).click();
        // cohort1, not cohort2: the cancelled promote did not happen.
        assertThat(card.getByTestId("rollout-phase")).hasText("cohort1");
        assertThat(page.locator("vaadin-notification-card").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Promoted:"))).hasText("Promoted: cohort1 of ORACLE 4.1.0 is active; its nodes update now.");
        assertThat(card.getByTestId("cohort-cohort2")).containsText("waiting");
        Browsers.screenshot(page, "rollout-cohort1");

        // The reason field has the focus, Escape keeps what is typed, and Enter confirms.
        card.getByText("Pause…").click();
        assertThat(page.getByLabel("Reason (shown in the timeline)")).isFocused();
        page.keyboard().type("waiting for the exchange maintenance");
        page.keyboard().press("Escape");
        assertThat(page.getByLabel("Reason (shown in the timeline)")).hasValue("waiting for the exchange maintenance");
        page.keyboard().press("Enter");
        assertThat(card.getByTestId("rollout-phase")).hasText("paused");
        assertThat(page.locator("vaadin-notification-card").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Paused:"))).hasText("Paused: no more nodes of ORACLE get 4.1.0 until it is resumed.");
        assertThat(card.getByTestId("next-cohort-due")).hasCount(0); // the clock stands
        assertThat(card.getByTestId("rollout-message")).containsText("waiting for the exchange maintenance");
        // Times read as everywhere on the dashboard: the browser's time, its zone named.
        org.assertj.core.api.Assertions.assertThat(card.locator(".timeline li > .text-secondary").first().textContent())
                .matches("[A-Z][a-z]{2} \\d{1,2}, \\d{4}, \\d{2}:\\d{2}:\\d{2}( [AP]M)? (UTC|GMT)[+\\-0-9:]*");

        // A paused rollout (e.g. held by a closed gate) can be promoted too; the confirmation says it stays paused.
        card.getByText("Promote next cohort").click();
        assertThat(message).containsText("The rollout stays paused");
        assertThat(message).containsText("Its health gate is skipped: cohort2 starts even if cohort1 is not healthy");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(message).isHidden();
        assertThat(card.getByTestId("cohort-cohort2")).containsText("waiting");

        // Promoted while paused: the toast names the cohort and that it updates only after Resume.
        card.getByText("Promote next cohort").click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Promote now")).click();
        assertThat(page.locator("vaadin-notification-card").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("ORACLE 4.1.0 is active. The rollout is still paused"))).hasText("Promoted: cohort2 of"
                        + " ORACLE 4.1.0 is active. The rollout is still paused: its nodes update after Resume.");
        assertThat(card.getByTestId("rollout-phase")).hasText("paused");

        card.getByText("Resume").click();
        assertThat(card.getByTestId("rollout-phase")).hasText("cohort2");
        assertThat(page.locator("vaadin-notification-card").filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Resumed:"))).hasText("Resumed: ORACLE 4.1.0 goes on updating (cohort2 active).");

        // An action that fails loses nothing: someone else aborts the rollout while this dialog is open, so this
        // abort is refused, and the dialog comes back with the reason typed.
        card.getByText("Abort…").click();
        var reason = page.getByLabel("Reason (shown in the timeline)");
        reason.fill("exchange adapter crash loop");
        var id = jdbc.sql("SELECT id FROM deployments WHERE tier = 'ORACLE' AND version_string = '4.1.0' "
                        + "ORDER BY created_at DESC LIMIT 1")
                .query(java.util.UUID.class).single();
        rollouts.abort(id, "someone-else", "aborted elsewhere");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Abort rollout")).click();
        assertThat(page.getByText("Aborted failed")).isVisible();
        assertThat(reason).hasValue("exchange adapter crash loop");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(page.getByText("Finished rollouts (1)")).isVisible();
        assertThat(page.getByTestId("rollouts-empty")).hasCount(0);
        assertThat(page.getByTestId("rollouts-none-open")).hasText("No rollout is in progress. Publishing a release "
                + "for a tier starts its next one.");
        // A finished rollout says when it finished; its limits and next cohort no longer apply.
        var finished = page.getByTestId("finished-rollouts");
        assertThat(finished.getByTestId("rollout-finished")).containsText("finished ");
        assertThat(finished.getByTestId("rollout-limits")).hasCount(0);
        assertThat(finished.getByTestId("next-cohort-due")).hasCount(0);
    }

    @Test
    void showOlderPagesThroughTheWholeFinishedHistoryBeyondTheFirstServerPage() {
        // More finished rollouts than one server page (200), older than any other test's: seeded as rows, since
        // publishing 200 real releases would take minutes. Each is a copy of one real, aborted rollout.
        startRollout("4.3.0");
        var real = jdbc.sql("SELECT id FROM deployments WHERE tier = 'ORACLE' AND version_string = '4.3.0' "
                        + "ORDER BY created_at DESC LIMIT 1")
                .query(java.util.UUID.class).single();
        rollouts.abort(real, "test", "seed template");
        var marker = "-seed" + (System.nanoTime() % 100_000);
        var seeded = Rollouts.MAX_PAGE + 5;
        jdbc.sql("""
                        INSERT INTO deployments (release_id, version_id, version_string, docker_image_tag, tier, status,
                            canary_percentage, cohort_percentage, cohort_delay_hours, max_unhealthy_ratio,
                            max_error_rate, gate_min_updated_ratio, min_sample, min_operators, created_at, updated_at,
                            completed_at)
                        SELECT release_id, version_id, '0.0.' || g || :marker, docker_image_tag, tier, 'aborted',
                            canary_percentage, cohort_percentage, cohort_delay_hours, max_unhealthy_ratio,
                            max_error_rate, gate_min_updated_ratio, min_sample, min_operators,
                            timestamptz '2001-01-01 00:00Z' + make_interval(mins => g),
                            timestamptz '2001-01-01 00:00Z' + make_interval(mins => g),
                            timestamptz '2001-01-01 00:00Z' + make_interval(mins => g)
                        FROM deployments, generate_series(1, :n) g WHERE id = :id""")
                .param("marker", marker).param("n", seeded).param("id", real).update();
        try {
            var total = jdbc.sql("SELECT count(*) FROM deployments WHERE status IN ('completed', 'rolled_back', "
                    + "'aborted')").query(Long.class).single().intValue();
            logInAs("viewer-history", Role.VIEWER);
            var history = page.getByTestId("finished-rollouts");
            assertThat(history).containsText("Finished rollouts (" + total + ")");
            if (history.getAttribute("opened") == null) { // folded while some tier has an open rollout
                history.getByText("Finished rollouts (" + total + ")").click();
            }
            var cards = history.getByTestId("rollout-card");
            assertThat(cards).hasCount(20);
            var oldest = page.getByLabel("Rollout ORACLE 0.0.1" + marker, new Page.GetByLabelOptions().setExact(true));
            assertThat(oldest).hasCount(0);

            // A failed load says so and loses nothing; the same button tries again.
            var older = page.getByTestId("rollouts-show-older");
            page.route("**/connect/RolloutsService/olderFinished", route -> route.abort("connectionfailed"));
            older.click();
            assertThat(page.getByTestId("rollouts-older-error")).containsText("Could not load older rollouts");
            assertThat(cards).hasCount(20);
            page.unroute("**/connect/RolloutsService/olderFinished");

            // Each click appends the next page after the oldest shown, until every finished rollout is on screen.
            for (int clicks = 0; clicks < total && older.count() > 0; clicks++) {
                var shown = cards.count();
                assertThat(older).containsText("Show older (" + Math.min(50, total - shown) + " of "
                        + (total - shown) + " more)");
                older.click();
                page.waitForCondition(() -> cards.count() > shown);
            }
            assertThat(page.getByTestId("rollouts-older-error")).hasCount(0);
            assertThat(older).hasCount(0);
            assertThat(cards).hasCount(total);
            assertThat(oldest).isVisible();
            assertThat(cards.last()).hasAttribute("aria-label", "Rollout ORACLE 0.0.1" + marker);
        } finally {
            jdbc.sql("DELETE FROM deployments WHERE version_string LIKE :m").param("m", "%" + marker).update();
        }
    }

    @Test
    void aRolledBackFirstReleaseSaysTheTierStaysOnItUntilAFixIsPublished() {
        startRollout("4.4.0");
        var id = jdbc.sql("SELECT id FROM deployments WHERE tier = 'ORACLE' AND version_string = '4.4.0' "
                        + "ORDER BY created_at DESC LIMIT 1")
                .query(java.util.UUID.class).single();
        var release = jdbc.sql("SELECT release_id FROM deployments WHERE id = :id").param("id", id)
                .query(java.util.UUID.class).single();
        var published = jdbc.sql("SELECT created_at FROM releases WHERE id = :id").param("id", release)
                .query(java.sql.Timestamp.class).single();
        var prefix = "first-browser-" + (System.nanoTime() % 100_000) + "-";
        try {
            // The shared test database has ORACLE releases from other tests: dated before them, this is the first.
            jdbc.sql("UPDATE releases SET created_at = (SELECT min(created_at) FROM releases WHERE tier = 'ORACLE')"
                    + " - interval '1 day' WHERE id = :id").param("id", release).update();
            for (int i = 0; i < 3; i++) { // three canary nodes updated and turned unhealthy
                network.noderr.controlplane.TestNodes.insert(jdbc, prefix + i, "ORACLE");
                jdbc.sql("""
                                INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                    last_health_check) VALUES (:id, 'ORACLE', '4.4.0', 'canary', 'unhealthy', now())""")
                        .param("id", prefix + i).update();
            }
            rollouts.reconcileAll();

            logInAs("viewer-first-release", Role.VIEWER);
            var history = page.getByTestId("finished-rollouts");
            if (history.getAttribute("opened") == null) {
                history.locator("[slot=summary]").click();
            }
            var card = page.getByLabel("Rollout ORACLE 4.4.0");
            assertThat(card.getByTestId("rollout-phase")).hasText("rolled back");
            assertThat(card.getByTestId("rollout-message")).containsText("automatic rollback: canary: 3 of 3");
            assertThat(card.getByTestId("rollout-message")).containsText("ORACLE has no earlier release to return"
                    + " to: it stays on 4.4.0 (nodes that updated keep running it) until you publish a fixed release");
            Browsers.screenshot(page, "rollout-first-release-rolled-back");

            // The canary's "3 unhealthy" leads to those nodes, where each one's details say why.
            var unhealthy = card.getByTestId("cohort-canary").getByTestId("cohort-unhealthy-link");
            assertThat(unhealthy).hasText("3 unhealthy");
            assertThat(card.getByTestId("cohort-cohort1").getByTestId("cohort-unhealthy-link")).hasCount(0);
            unhealthy.click();
            assertThat(page).hasURL(java.util.regex.Pattern.compile(
                    ".*/nodes\\?tier=ORACLE&cohort=canary&version=4\\.4\\.0&health=unhealthy&status=ACTIVE$"));
            assertThat(page.getByTestId("node-count")).hasText("3 nodes");
            for (int i = 0; i < 3; i++) {
                assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(prefix + i).setExact(true)))
                        .isVisible();
            }
        } finally {
            jdbc.sql("UPDATE releases SET created_at = :at WHERE id = :id").param("at", published)
                    .param("id", release).update();
            jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
            jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        }
    }

    @Test
    void anEmptyCanaryIsNamedAndItsBarStaysEmptyAndCohortFiguresStandApartOnADesktop() {
        // A small tier whose nodes all fall in cohort1: the deterministic split leaves the canary empty.
        var suspended = jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE tier = 'ORACLE' AND status = 'ACTIVE'"
                + " RETURNING node_id").query(String.class).list();
        var prefix = "small-tier-" + (System.nanoTime() % 100_000) + "-";
        try {
            for (int i = 0; i < 3; i++) {
                network.noderr.controlplane.TestNodes.insert(jdbc, prefix + i, "ORACLE");
                jdbc.sql("""
                                INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                    last_health_check) VALUES (:id, 'ORACLE', '4.0.0', 'cohort1', 'healthy', now())""")
                        .param("id", prefix + i).update();
            }
            startRollout("4.5.0");
            var id = jdbc.sql("SELECT id FROM deployments WHERE tier = 'ORACLE' AND version_string = '4.5.0' "
                            + "ORDER BY created_at DESC LIMIT 1")
                    .query(java.util.UUID.class).single();
            logInAs("viewer-small-tier", Role.VIEWER);
            page.setViewportSize(Browsers.DESKTOP_WIDTH, 800);
            var card = page.getByLabel("Rollout ORACLE 4.5.0");
            assertThat(card.getByTestId("empty-canary")).hasText("No node of this tier is in the canary (5% of 3"
                    + " nodes): cohort1 is the first to update, with nothing tested before it.");
            var canary = card.getByTestId("cohort-canary");
            assertThat(canary.locator(".cohort-figures")).hasText("no nodes");
            assertThat(canary.locator("vaadin-progress-bar")).hasAttribute("aria-valuenow", "0");

            rollouts.promote(id, "test");
            assertThat(card.getByTestId("cohort-cohort1").locator(".cohort-figures")).hasText("0 / 3 updated");
            Browsers.screenshot(page, "rollout-empty-canary");
            org.assertj.core.api.Assertions.assertThat(labelsRunTogether(card.locator(".cohort"))).isEmpty();
            org.assertj.core.api.Assertions.assertThat(((Number) card.evaluate(
                    "c => c.scrollWidth - c.clientWidth")).intValue()).as("sideways overflow (px)").isZero();
        } finally {
            jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
            jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
            if (!suspended.isEmpty()) {
                jdbc.sql("UPDATE nodes SET status = 'ACTIVE' WHERE node_id IN (:ids)").param("ids", suspended)
                        .update();
            }
        }
    }

    /**
     * The cohort cells whose label and figures touch (read as one word, "cohort111 / 11") or stick out of the cell:
     * figures must be on their own line or at least 4 px apart.
     */
    @SuppressWarnings("unchecked")
    static java.util.List<String> labelsRunTogether(com.microsoft.playwright.Locator cells) {
        return (java.util.List<String>) cells.evaluateAll("""
                (cells) => cells.flatMap((cell) => {
                  const c = cell.getBoundingClientRect();
                  const l = cell.querySelector('.cohort-label').getBoundingClientRect();
                  const f = cell.querySelector('.cohort-figures').getBoundingClientRect();
                  const apart = f.top >= l.bottom - 1 || f.left - l.right >= 4;
                  const inside = l.right <= c.right + 0.5 && f.right <= c.right + 0.5;
                  return apart && inside ? [] : [cell.textContent.trim()];
                })""");
    }

    @Test
    void viewerSeesProgressButNoActions() {
        startRollout("4.2.0");
        logInAs("viewer-browser", Role.VIEWER);
        var card = page.getByLabel("Rollout ORACLE 4.2.0");
        assertThat(card.getByTestId("rollout-phase")).hasText("canary");
        assertThat(card.locator("vaadin-button")).hasCount(0); // no action buttons for a viewer
        assertThat(card.getByTestId("next-cohort-due")).containsText("cohort1 starts by itself");
        assertThat(card.getByTestId("next-cohort-due")).not().containsText("Promote"); // not a viewer's to do
        Browsers.screenshot(page, "rollout-viewer");
    }
}
