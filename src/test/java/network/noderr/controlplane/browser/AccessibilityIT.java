package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.options.AriaRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.beacon.Beacon;
import network.noderr.controlplane.approvals.ApprovalRequest;
import network.noderr.controlplane.approvals.Approvals;
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
 * The dashboard's accessibility in real Chromium: axe-core (the repository's {@code node_modules/axe-core}, a dev
 * dependency in package.json) runs on every screen and on the main dialogs, and any violation of impact serious or
 * critical fails the test, named by screen, rule and element. Every dialog is opened from the keyboard (its opener
 * focused, Enter): focus must be inside the dialog while it is open and back on the opener after it closes. A second
 * test walks the keyboard-only paths: a node opened from the registry's grid, an application picked and its approval
 * asked and cancelled with Escape, a select named as a combobox that says it is required, and "Skip to content".
 */
@IntegrationTest
class AccessibilityIT {

    static final String AXE_SCRIPT = axeScript();

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    Applications applications;

    @Autowired
    Approvals approvals;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Beacon beacon;

    Page page;
    String nodeId;
    String earlier;
    String version;
    final List<UUID> applicationIds = new ArrayList<>();
    final List<String> alertFingerprints = new ArrayList<>();
    final List<String> violations = new ArrayList<>();

    @BeforeEach
    void noOpenRequests() {
        cancelPendingApprovals();
    }

    @AfterEach
    void cleanUp() {
        if (page != null) {
            page.context().close();
        }
        cancelPendingApprovals();
        if (version != null) {
            OracleReleases.delete(jdbc, List.of(earlier, version));
        }
        if (!alertFingerprints.isEmpty()) {
            jdbc.sql("DELETE FROM alerts WHERE fingerprint IN (:f)").param("f", alertFingerprints).update();
        }
        if (!applicationIds.isEmpty()) {
            jdbc.sql("DELETE FROM install_tokens WHERE application_id IN (:ids)").param("ids", applicationIds).update();
            jdbc.sql("DELETE FROM applications WHERE id IN (:ids)").param("ids", applicationIds).update();
        }
        if (nodeId != null) {
            jdbc.sql("DELETE FROM node_versions WHERE node_id = :id").param("id", nodeId).update();
            jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", nodeId).update();
        }
    }

    @Test
    void noSeriousOrCriticalViolationOnAnyScreenOrDialog() {
        var suffix = Long.toString(System.nanoTime() % 100_000);
        nodeId = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(), Tier.ALL)[0];
        var first = "A11y Operator " + suffix;
        var second = "A11y Second Operator " + suffix;
        applicationIds.add(applications.submit(Onboarding.form(first, Tier.ORACLE), "127.0.0.1"));
        applicationIds.add(applications.submit(Onboarding.form(second, Tier.ORACLE), "127.0.0.1"));
        earlier = "7.2." + suffix;
        version = "7.3." + suffix;
        OracleReleases.publishWithAnEarlierVersion(beacon, jdbc, earlier, version);
        var requester = "a11y-requester";
        if (users.findByUsername(requester).isEmpty()) {
            users.create(requester, requester + "-password", Role.RELEASE_MANAGER);
        }
        var guardianVersion = "7.4." + suffix;
        approvals.request(ApprovalRequest.publish(Tier.GUARDIAN, guardianVersion,
                "registry.noderr.network/guardian:" + guardianVersion, "sha256:" + "a".repeat(64),
                "0x" + "b".repeat(64)), requester);
        // A firing and a resolved alert: the Overview and Alerts screens show both (a resolved one dimmed).
        deliverAlert("firing", "critical", "A11yFiring" + suffix);
        deliverAlert("resolved", "warning", "A11yResolved" + suffix);
        var admin = "a11y-admin";
        if (users.findByUsername(admin).isEmpty()) {
            users.create(admin, admin + "-password", Role.ADMIN);
        }

        page = Browsers.newPage();
        page.navigate("http://localhost:" + port + "/login");
        assertThat(page.locator("input[name=username]")).isVisible();
        check("Login");
        Browsers.logIn(page, port, admin, admin + "-password");

        // Overview, with the open rollout's cohorts (a waiting cohort is dimmed, its text still readable).
        assertThat(page.getByTestId("overview-rollouts").getByLabel("Rollout ORACLE " + version)).isVisible();
        check("Overview");

        open("/nodes", "Nodes");
        assertThat(page.getByTestId("node-count")).containsText("node");
        check("Nodes");

        open("/nodes/" + nodeId, "Node details");
        assertThat(page.getByTestId("node-id")).hasText(nodeId);
        check("Node details");
        dialog("Node details: Suspend dialog", button("Suspend…"), "Cancel");

        open("/applications", "Applications");
        page.getByText(first).click();
        var details = page.getByLabel("Application details");
        assertThat(details.locator("h2")).hasText(first);
        check("Applications");
        dialog("Applications: Approve dialog", details.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Approve…")), "Cancel");
        dialog("Applications: Reject dialog", details.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Reject…")), "Cancel");
        // The install token, shown once: approve the second application for real.
        page.getByText(second).click();
        assertThat(details.locator("h2")).hasText(second);
        var approve = details.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve…"));
        approve.click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and issue token")).click();
        assertThat(page.getByTestId("install-token-dialog")).isVisible();
        Browsers.dialogOpened(page);
        check("Applications: Install token dialog");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Done")).click();
        assertThat(page.getByTestId("install-token-dialog")).hasCount(0);

        open("/approvals", "Approvals");
        var request = page.locator("[data-testid='approval']").filter(new Locator.FilterOptions()
                .setHas(page.getByText("publish GUARDIAN " + guardianVersion)));
        assertThat(request).hasCount(1);
        check("Approvals");
        dialog("Approvals: Approve dialog", request.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Approve…")), "Cancel");
        dialog("Approvals: Reject dialog", request.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Reject…")), "Cancel");

        open("/releases", "Releases");
        var form = page.getByTestId("publish-form");
        assertThat(form).isVisible();
        check("Releases");
        dialog("Releases: Emergency rollback dialog", page.getByTestId("rollback-ORACLE"), "Cancel");
        form.locator("vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("ALL").setExact(true)).click();
        var allVersion = "7.5." + suffix;
        form.getByLabel("Version").fill(allVersion);
        form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                .fill("registry.noderr.network/all:" + allVersion);
        form.getByLabel("Image digest").fill("sha256:" + "d".repeat(64));
        form.getByLabel("Config hash").fill("0x" + "d".repeat(64));
        dialog("Releases: Publish confirmation", form.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Publish on-chain")), "Cancel");

        open("/rollouts", "Rollouts");
        var card = page.getByLabel("Rollout ORACLE " + version);
        assertThat(card).isVisible();
        check("Rollouts");
        dialog("Rollouts: Pause dialog", card.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Pause…")), "Cancel");
        dialog("Rollouts: Abort dialog", card.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Abort…")), "Cancel");
        dialog("Rollouts: Promote dialog", card.getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Promote next cohort…")), "Cancel");

        open("/alerts", "Alerts");
        assertThat(page.getByTestId("alert").filter(new Locator.FilterOptions().setHasText("A11yResolved" + suffix)))
                .hasAttribute("data-status", "resolved");
        check("Alerts");

        open("/audit", "Audit log");
        assertThat(page.locator("vaadin-grid")).isVisible();
        check("Audit log");

        open("/users", "Users");
        check("Users");
        dialog("Users: New user dialog", button("New user…"), "Cancel");

        open("/account", "My account");
        check("My account");

        assertThat(violations).as("serious or critical accessibility violations (axe-core)").isEmpty();
    }

    @Test
    void theMainPathsWorkFromTheKeyboard() {
        var suffix = Long.toString(System.nanoTime() % 100_000);
        nodeId = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(), Tier.ALL)[0];
        var operator = "A11y Keyboard Operator " + suffix;
        applicationIds.add(applications.submit(Onboarding.form(operator, Tier.ORACLE), "127.0.0.1"));
        var admin = "a11y-admin";
        if (users.findByUsername(admin).isEmpty()) {
            users.create(admin, admin + "-password", Role.ADMIN);
        }
        page = Browsers.newPage();
        Browsers.logIn(page, port, admin, admin + "-password");

        // The registry: the first Tab reaches "Skip to content", which takes focus past the navbar and the menu to
        // the screen, whose first control the next Tab reaches.
        page.navigate("http://localhost:" + port + "/nodes?q=" + nodeId);
        assertThat(page.getByTestId("node-count")).containsText("node");
        page.keyboard().press("Tab");
        assertThat(focusedText()).as("first Tab stop").isEqualTo("Skip to content");
        page.keyboard().press("Enter");
        assertThat(waitFor("() => document.activeElement?.localName === 'main'", null))
                .as("focus on the screen's content after Skip to content").isTrue();
        page.keyboard().press("Tab");
        assertThat(waitFor("() => document.activeElement?.closest('main') !== null", null))
                .as("the next Tab stays in the screen's content").isTrue();
        // A node's id is a link, followed with Enter.
        var link = page.getByLabel("Node registry").getByRole(AriaRole.LINK,
                new Locator.GetByRoleOptions().setName(nodeId));
        assertThat(link).isVisible();
        link.focus();
        page.keyboard().press("Enter");
        assertThat(page.getByTestId("node-id")).hasText(nodeId);

        // Applications: the grid's row is picked with Space, the details' Approve… opens its confirmation with
        // Enter, focus is in the dialog, Escape cancels it and focus is back on Approve….
        open("/applications", "Applications");
        var grid = page.locator("vaadin-grid");
        var row = grid.locator("vaadin-grid-cell-content").filter(new Locator.FilterOptions().setHasText(operator));
        assertThat(row).isVisible();
        // Focus the row's cell as the grid's own keyboard navigation does (Tab into the grid, then arrows).
        row.evaluate("(content) => content.assignedSlot.parentElement.focus()");
        page.keyboard().press("Space");
        var details = page.getByLabel("Application details");
        assertThat(details.locator("h2")).hasText(operator);
        var approve = details.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve…"));
        approve.focus();
        page.keyboard().press("Enter");
        var confirm = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Approve and issue token"));
        assertThat(confirm).isVisible();
        assertThat(focusInDialog()).as("focus inside the approve dialog").isTrue();
        page.keyboard().press("Escape");
        assertThat(confirm).hasCount(0);
        assertThat(focusReturnsTo("Approve…")).as(() -> "focus after Escape on Approve… (focus on " + focusedText() + ")")
                .isTrue();
        assertThat(jdbc.sql("SELECT status FROM applications WHERE id = :id").param("id", applicationIds.getFirst())
                .query(String.class).single()).isEqualTo("PENDING");

        // A select is a combobox that says it is required (not a button, which cannot be required), and opens
        // from the keyboard.
        open("/releases", "Releases");
        var tier = page.getByTestId("publish-form").getByRole(AriaRole.COMBOBOX,
                new Locator.GetByRoleOptions().setName("Tier"));
        assertThat(tier).hasAttribute("aria-required", "true");
        tier.focus();
        page.keyboard().press("Enter");
        var option = page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("GUARDIAN").setExact(true));
        assertThat(option).isVisible();
        assertThat(tier).hasAttribute("aria-expanded", "true");
        var list = tier.getAttribute("aria-controls");
        assertThat(list).as("the open select's aria-controls").isNotBlank();
        assertThat(page.locator("[id='" + list + "']")).hasAttribute("role", "listbox");
        page.keyboard().press("Escape");
        assertThat(option).isHidden();
        assertThat(tier).hasAttribute("aria-expanded", "false");
        assertThat(tier).not().hasAttribute("aria-controls", java.util.regex.Pattern.compile(".*"));
    }

    /** Opens {@code path} and waits for its title in the navbar. */
    private void open(String path, String title) {
        page.navigate("http://localhost:" + port + path);
        assertThat(page.locator("h1[slot=navbar]")).hasText(title);
    }

    private Locator button(String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    /**
     * Opens a dialog from the keyboard (its opener focused, Enter), checks it with axe, closes it with its
     * {@code close} button and checks that focus went into the dialog and came back to the opener.
     */
    private void dialog(String screen, Locator opener, String close) {
        assertThat(opener).isEnabled();
        var openerText = opener.textContent().strip();
        opener.focus();
        page.keyboard().press("Enter");
        var closeButton = page.locator("vaadin-dialog[opened], vaadin-confirm-dialog[opened]")
                .getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(close).setExact(true));
        assertThat(closeButton).isVisible();
        if (!focusInDialog()) {
            violations.add(screen + ": focus is not inside the dialog after it opened (focus on " + focusedText() + ")");
        }
        Browsers.dialogOpened(page);
        check(screen, "vaadin-dialog[opened], vaadin-confirm-dialog[opened]");
        closeButton.click();
        assertThat(closeButton).hasCount(0);
        if (!focusReturnsTo(openerText)) {
            violations.add(screen + ": focus did not return to \"" + openerText + "\" after the dialog closed (focus on "
                    + focusedText() + ")");
        }
    }

    /**
     * Whether the focused element (through shadow roots) comes to be inside an open dialog within five seconds: the
     * dialog moves focus into itself once its overlay has opened, which on a busy machine comes a while after its
     * buttons are visible.
     */
    private boolean focusInDialog() {
        return waitFor("""
                () => {
                  let el = document.activeElement;
                  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
                  for (let node = el; node; node = node.parentNode || node.host) {
                    if (node.localName && /^vaadin-(confirm-)?dialog(-overlay)?$/.test(node.localName)) return true;
                  }
                  return false;
                }""", null);
    }

    /** Whether focus comes to an element whose light-DOM text is {@code text} within five seconds. */
    private boolean focusReturnsTo(String text) {
        return waitFor("(text) => (document.activeElement?.textContent ?? '').trim() === text", text);
    }

    /** Whether {@code predicate} (a function of {@code arg}) becomes true in the page within five seconds. */
    private boolean waitFor(String predicate, Object arg) {
        try {
            page.waitForFunction(predicate, arg, new Page.WaitForFunctionOptions().setTimeout(5_000));
            return true;
        } catch (TimeoutError e) {
            return false;
        }
    }

    /** The text of the focused element in the light DOM (a button's label). */
    private String focusedText() {
        return ((String) page.evaluate("() => document.activeElement?.textContent ?? ''")).strip();
    }

    /** Runs axe-core on the page as it is and records its serious and critical violations under {@code screen}. */
    private void check(String screen) {
        check(screen, null);
    }

    /**
     * Runs axe-core on the elements matching {@code within} (the whole page when null) and records its serious and
     * critical violations under {@code screen}. A dialog is checked on its own (the page behind it was checked
     * without it), with its modality curtain hidden meanwhile: axe does not see the dialog's card, which the browser
     * draws in its top layer, and would otherwise take the grey curtain behind it for the background of its text.
     */
    @SuppressWarnings("unchecked")
    private void check(String screen, String within) {
        if (!(Boolean) page.evaluate("() => typeof window.axe !== 'undefined'")) {
            page.addScriptTag(new Page.AddScriptTagOptions().setContent(AXE_SCRIPT));
        }
        var found = (List<Map<String, Object>>) page.evaluate("""
                async (within) => {
                  const curtains = [];
                  const hideCurtains = (root) => {
                    for (const el of root.querySelectorAll('*')) {
                      if (el.getAttribute('part')?.split(' ').includes('backdrop')) {
                        curtains.push([el, el.style.visibility]);
                        el.style.visibility = 'hidden';
                      }
                      if (el.shadowRoot) hideCurtains(el.shadowRoot);
                    }
                  };
                  const context = within ? [...document.querySelectorAll(within)] : document;
                  if (within) context.forEach((el) => el.shadowRoot && hideCurtains(el.shadowRoot));
                  let result;
                  try {
                    result = await window.axe.run(context, { resultTypes: ['violations'] });
                  } finally {
                    curtains.forEach(([el, visibility]) => { el.style.visibility = visibility; });
                  }
                  return result.violations
                    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .flatMap((v) => v.nodes.map((n) => ({
                      rule: v.id, impact: v.impact, help: v.help,
                      target: n.target.map((t) => Array.isArray(t) ? t.join(' >>> ') : t).join(' '),
                      html: n.html.slice(0, 200), summary: n.failureSummary })));
                }""", within);
        for (var v : found) {
            violations.add(screen + ": " + v.get("rule") + " (" + v.get("impact") + ", " + v.get("help") + ") at "
                    + v.get("target")
                    + "\n    " + v.get("html") + "\n    " + String.valueOf(v.get("summary")).replace("\n", " "));
        }
    }

    private void deliverAlert(String status, String severity, String name) {
        var fingerprint = UUID.randomUUID().toString().substring(0, 16);
        alertFingerprints.add(fingerprint);
        var alert = new java.util.HashMap<String, Object>(Map.of("status", status,
                "labels", Map.of("alertname", name, "severity", severity, "tier", "ORACLE"),
                "annotations", Map.of("summary", name + " on ORACLE"),
                "startsAt", java.time.Instant.now().minusSeconds(300).toString(),
                "fingerprint", fingerprint));
        if (status.equals("resolved")) {
            alert.put("endsAt", java.time.Instant.now().minusSeconds(60).toString());
        }
        var delivered = new ApiClient(port).post("/api/v1/alerts", Map.of("version", "4", "status", status,
                "alerts", List.of(alert)), AlertsIT.SECRET);
        assertThat(delivered.status()).isEqualTo(200);
    }

    private void cancelPendingApprovals() {
        jdbc.sql("UPDATE approvals SET status = 'CANCELLED', decided_by = requested_by, decided_at = now() "
                + "WHERE status = 'PENDING'").update();
    }

    private static String axeScript() {
        var path = Path.of("node_modules/axe-core/axe.min.js");
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalStateException("axe-core is missing at " + path.toAbsolutePath()
                    + ": it is a dev dependency in package.json, installed by the build's npm install", e);
        }
    }
}
