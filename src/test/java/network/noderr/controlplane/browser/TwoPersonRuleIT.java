package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.ArrayList;
import java.util.List;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The two-person rule in real Chromium: release manager A publishes for GUARDIAN and sees it waiting for a second
 * approver, cannot approve it on the Approvals screen; release manager B approves it (confirming that it publishes)
 * and the release is confirmed on-chain as the Releases screen shows it; the audit log has both people. Aborts the
 * GUARDIAN rollout it starts (RolloutJourneyTest uses the tier).
 */
@IntegrationTest
class TwoPersonRuleIT {

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    JdbcClient jdbc;

    private final List<Page> pages = new ArrayList<>();

    @BeforeEach
    void freeTheTier() {
        leaveGuardianAsOtherTestsExpect();
    }

    @AfterEach
    void close() {
        pages.forEach(p -> p.context().close());
        leaveGuardianAsOtherTestsExpect();
    }

    @Test
    void guardianPublishNeedsASecondApproverAndTheRequesterCannotApproveIt() throws Exception {
        var version = "6." + (System.currentTimeMillis() / 1000 % 100_000) + ".1";

        // A publishes for GUARDIAN: the form says a second approver is needed, and the result is a pending request.
        var alice = open("two-person-alice", Role.RELEASE_MANAGER, "Releases");
        assertThat(alice.getByTestId("two-person-GUARDIAN")).hasText("needs a second approver");
        assertThat(alice.getByTestId("two-person-ORACLE")).hasCount(0);
        var form = alice.getByTestId("publish-form");
        form.locator("vaadin-select").click();
        alice.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("GUARDIAN").setExact(true)).click();
        assertThat(form.getByTestId("publish-needs-approval")).isVisible();
        form.getByLabel("Version").fill(version);
        form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                .fill("registry.noderr.network/guardian:" + version);
        form.getByLabel("Image digest").fill("sha256:" + String.format("%064x", 12_345));
        form.getByLabel("Config hash").fill("0x" + "cd".repeat(32));
        form.getByText("Request publish").click();
        assertThat(alice.getByTestId("publish-confirm-message")).containsText("Nothing is sent yet");
        alice.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Request approval")).click();
        var waiting = alice.getByTestId("pending-approvals")
                .locator("[data-testid='pending-approval'][data-version='" + version + "']");
        assertThat(waiting).containsText("waiting for approval");
        assertThat(waiting).containsText("publish GUARDIAN " + version);
        assertThat(alice.locator("vaadin-notification-card").filter(new Locator.FilterOptions()
                .setHasText("Waiting for a second approver"))).isVisible();
        Browsers.screenshot(alice, "two-person-requested");
        assertThat(releaseStatus(alice, version)).hasCount(0); // nothing sent to the chain
        assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE tier = 'GUARDIAN' AND version_string = :v")
                .param("v", version).query(Long.class).single()).isZero();

        // A cannot approve their own request on the Approvals screen.
        alice.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Approvals").setExact(true)).click();
        var own = request(alice, version);
        assertThat(own.getByTestId("approval-status")).hasText("waiting for approval");
        assertThat(own.getByTestId("approval-requester")).hasText("two-person-alice");
        assertThat(own.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve…"))).isDisabled();
        assertThat(own.getByTestId("own-request-note")).containsText("a second, different release manager or admin");
        assertThat(own.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Reject…"))).hasCount(0);
        Browsers.screenshot(alice, "two-person-own-request");

        // A viewer sees the request but has no buttons.
        var viewer = open("two-person-watcher", Role.VIEWER, "Approvals");
        assertThat(request(viewer, version).getByTestId("approval-summary")).hasText("publish GUARDIAN " + version);
        assertThat(request(viewer, version).locator("vaadin-button")).hasCount(0);

        // B approves, confirming that it publishes.
        var bob = open("two-person-bob", Role.RELEASE_MANAGER, "Approvals");
        request(bob, version).getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve…")).click();
        assertThat(bob.getByTestId("approve-dialog")).containsText("publishes GUARDIAN " + version);
        assertThat(bob.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and publish")))
                .isVisible();
        Browsers.dialogOpened(bob);
        Browsers.screenshot(bob, "two-person-approve-dialog");
        bob.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and publish")).click();
        var decided = request(bob, version);
        assertThat(decided.getByTestId("approval-status")).hasText("approved");
        assertThat(decided.getByTestId("approval-decider")).containsText("two-person-bob");
        assertThat(decided.getByTestId("approval-result")).containsText("transaction 0x");
        Browsers.screenshot(bob, "two-person-approved");

        // The release is confirmed on-chain, as the Releases screen shows it.
        bob.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Releases")).click();
        assertThat(releaseStatus(bob, version)).hasAttribute("data-status", "confirmed");
        assertThat(bob.getByTestId("current-GUARDIAN")).hasText(version);
        var txHash = bob.locator("code.tx[data-version='" + version + "']").getAttribute("data-tx");
        var web3j = Web3j.build(new HttpService(TestChain.settings().rpcUrl()));
        try {
            var receipt = web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt().orElseThrow();
            assertThat(receipt.isStatusOK()).as("the publish shown is the one the chain mined").isTrue();
        } finally {
            web3j.shutdown();
        }
        assertThat(bob.getByTestId("pending-approvals")).hasCount(0);
        Browsers.screenshot(bob, "two-person-confirmed");
        // Back on Approvals, the decision shows the transaction as it is now: confirmed, no longer pending.
        Browsers.openScreen(bob, "Approvals");
        assertThat(request(bob, version).getByTestId("approval-result"))
                .containsText(java.util.regex.Pattern.compile("transaction 0x[0-9a-f]{64} \\(confirmed in block \\d+\\)"));

        // The audit log has both people: A's request, B's approval, and the publish with both names.
        var audit = jdbc.sql("""
                        SELECT actor || '|' || action || '|' || outcome || '|' || coalesce(detail, '')
                        FROM audit_log WHERE actor IN ('two-person-alice', 'two-person-bob') ORDER BY id""")
                .query(String.class).list();
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("two-person-alice|ReleasesService.publish|success|")
                .contains("versionString=" + version));
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("two-person-bob|ApprovalsService.approve|success|"));
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("two-person-bob|two-person approval|success|")
                .contains("publish GUARDIAN " + version + " requested by two-person-alice, approved by two-person-bob"));
        assertThat(jdbc.sql("SELECT created_by FROM beacon_transactions WHERE tx_hash = :tx").param("tx", txHash)
                .query(String.class).single()).isEqualTo("two-person-alice (approved by two-person-bob)");
    }

    @Test
    void aHeldDowngradeIsNamedOnTheApprovalsCardAndInTheApproveDialog() {
        var node = "two-person-downgrade-" + System.nanoTime() % 1_000_000;
        network.noderr.controlplane.TestNodes.insertRunning(jdbc, node, "GUARDIAN", "999999.0.0", "cohort4");
        try {
            var version = "7." + (System.currentTimeMillis() / 1000 % 100_000) + ".1";
            var alice = open("two-person-alice", Role.RELEASE_MANAGER, "Releases");
            var form = alice.getByTestId("publish-form");
            form.locator("vaadin-select").click();
            alice.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("GUARDIAN").setExact(true)).click();
            form.getByLabel("Version").fill(version);
            form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                    .fill("registry.noderr.network/guardian:" + version);
            form.getByLabel("Image digest").fill("sha256:" + String.format("%064x", 54_321));
            form.getByLabel("Config hash").fill("0x" + "ab".repeat(32));
            form.getByText("Request publish").click();
            assertThat(alice.getByTestId("publish-downgrade")).containsText("999999.0.0");
            alice.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Request approval")).click();
            assertThat(alice.getByTestId("pending-approvals")
                    .locator("[data-testid='pending-approval'][data-version='" + version + "']"))
                    .containsText("waiting for approval");

            // The second person reads that it is a downgrade before approving: on the card and in the dialog.
            var bob = open("two-person-bob", Role.RELEASE_MANAGER, "Approvals");
            var note = request(bob, version).getByTestId("approval-note");
            assertThat(note).containsText("A downgrade");
            assertThat(note).containsText("999999.0.0");
            request(bob, version).getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve…"))
                    .click();
            assertThat(bob.getByTestId("approve-dialog-note")).containsText("A downgrade");
            assertThat(bob.getByTestId("approve-dialog-note")).containsText("999999.0.0");
            Browsers.dialogOpened(bob);
            Browsers.screenshot(bob, "two-person-approve-downgrade");
            bob.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
            assertThat(request(bob, version).getByTestId("approval-status")).hasText("waiting for approval");
            assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE version_string = :v")
                    .param("v", version).query(Long.class).single()).isZero();

            // The requester withdraws it, after a confirmation: "Keep waiting" leaves it, "Cancel request" cancels.
            Browsers.openScreen(alice, "Approvals");
            var cancel = new Locator.GetByRoleOptions().setName("Cancel request…");
            request(alice, version).getByRole(AriaRole.BUTTON, cancel).click();
            assertThat(alice.getByTestId("cancel-request-dialog")).containsText("Nothing is sent");
            alice.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Keep waiting")).click();
            assertThat(alice.getByTestId("cancel-request-dialog")).isHidden();
            assertThat(request(alice, version).getByTestId("approval-status")).hasText("waiting for approval");
            request(alice, version).getByRole(AriaRole.BUTTON, cancel).click();
            alice.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel request").setExact(true))
                    .click();
            assertThat(request(alice, version).getByTestId("approval-status")).hasText("cancelled");
            assertThat(request(alice, version).getByTestId("approval-decider")).containsText("two-person-alice");
        } finally {
            network.noderr.controlplane.TestNodes.delete(jdbc, node);
        }
    }

    @Test
    void onlyAnAdminTurnsTheRuleOnOrOffAndTurningItOffIsConfirmed() {
        var manager = open("two-person-bob", Role.RELEASE_MANAGER, "Approvals");
        assertThat(manager.getByTestId("rule-GUARDIAN")).hasAttribute("data-enabled", "true");
        assertThat(manager.getByTestId("two-person-rules").locator("vaadin-checkbox")).hasCount(0);

        var admin = open("two-person-admin", Role.ADMIN, "Approvals");
        var all = admin.getByTestId("rule-ALL");
        assertThat(all).hasAttribute("data-enabled", "false");
        all.locator("vaadin-checkbox").click();
        assertThat(all).hasAttribute("data-enabled", "true");
        all.locator("vaadin-checkbox").click();
        var turnOff = admin.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Turn off"));
        assertThat(turnOff).isVisible();
        admin.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
        assertThat(all).hasAttribute("data-enabled", "true");
        assertThat(all.locator("vaadin-checkbox")).hasAttribute("checked", "");
        all.locator("vaadin-checkbox").click();
        assertThat(admin.getByText("Turn off the two-person rule for ALL?")).isVisible();
        Browsers.screenshot(admin, "two-person-turn-off");
        turnOff.click();
        assertThat(all).hasAttribute("data-enabled", "false");
        assertThat(jdbc.sql("SELECT count(*) FROM audit_log WHERE actor = 'two-person-admin' "
                + "AND action = 'ApprovalsService.setRule' AND target = 'ALL'").query(Long.class).single())
                .isEqualTo(2);
    }

    private Page open(String username, Role role, String screen) {
        var page = Browsers.openAs(users, port, username, role, screen);
        pages.add(page);
        return page;
    }

    private static Locator request(Page page, String version) {
        return page.getByTestId("approval").filter(new Locator.FilterOptions()
                .setHasText("publish GUARDIAN " + version));
    }

    private static Locator releaseStatus(Page page, String version) {
        return page.locator("[data-status][data-version='" + version + "']");
    }

    /** No open GUARDIAN rollout, no request waiting, the rules at their defaults (RolloutJourneyTest uses GUARDIAN). */
    private void leaveGuardianAsOtherTestsExpect() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'GUARDIAN' AND status IN ('active', 'paused')")
                .update();
        jdbc.sql("UPDATE approvals SET status = 'CANCELLED', decided_by = requested_by, decided_at = now() "
                + "WHERE status = 'PENDING'").update();
        jdbc.sql("UPDATE two_person_rules SET enabled = (tier = 'GUARDIAN')").update();
    }
}
