package network.noderr.controlplane.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.beacon.Beacon;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every screen of the dashboard on a phone (390 × 844, an admin) in real Chromium: no page scrolls sideways, nothing
 * sticks out past the right edge, and the controls that matter are on screen: a user or an application can be picked
 * from its list and its details read, and the list is reachable again afterwards.
 */
@IntegrationTest
class PhoneLayoutIT {

    static final int WIDTH = 390;
    static final int HEIGHT = 844;

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Beacon beacon;

    Page page;
    String nodeId;
    /** The rollout's version and the applications this test made: gone afterwards, so other tests count only theirs. */
    String earlier;
    String version;
    final List<UUID> applicationIds = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        if (page != null) {
            page.context().close();
        }
        if (version != null) {
            OracleReleases.delete(jdbc, List.of(earlier, version));
        }
        if (!applicationIds.isEmpty()) {
            jdbc.sql("DELETE FROM applications WHERE id IN (:ids)").param("ids", applicationIds).update();
        }
        if (nodeId != null) {
            jdbc.sql("DELETE FROM node_versions WHERE node_id = :id").param("id", nodeId).update();
            jdbc.sql("DELETE FROM nodes WHERE node_id = :id").param("id", nodeId).update();
        }
    }

    @Test
    void everyScreenFitsAPhone() {
        var suffix = Long.toString(System.nanoTime() % 100_000);
        nodeId = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(), Tier.ALL)[0];
        var first = "Extraordinarily Long Operator Name Incorporated Phone " + suffix;
        var second = "Phone Operator " + suffix;
        applicationIds.add(applications.submit(Onboarding.form(first, Tier.ORACLE), "127.0.0.1"));
        applicationIds.add(applications.submit(Onboarding.form(second, Tier.GUARDIAN), "127.0.0.1"));
        earlier = "6.1." + suffix;
        version = "6.2." + suffix;
        OracleReleases.publishWithAnEarlierVersion(beacon, jdbc, earlier, version);
        var username = "phone-admin";
        if (users.findByUsername(username).isEmpty()) {
            users.create(username, username + "-password", Role.ADMIN);
        }

        var context = Browsers.chromium().newContext(new Browser.NewContextOptions().setViewportSize(WIDTH, HEIGHT));
        context.setDefaultTimeout(20_000);
        page = context.newPage();
        Browsers.logIn(page, port, username, username + "-password");

        // Overview: its panels (the open rollout, alerts) fit the width.
        assertThat(page.getByTestId("overview-rollouts").getByLabel("Rollout ORACLE " + version)).isVisible();
        onScreen(page.getByTestId("overview-rollouts"));
        onScreen(page.getByTestId("overview-alerts"));
        checkFits("Overview", "phone-overview");

        // Nodes: the filters leave most of the screen to the list (the list may scroll sideways in its own box).
        open("/nodes", "Nodes");
        var registry = page.getByLabel("Node registry");
        assertThat(page.getByTestId("node-count")).containsText("node");
        var box = registry.boundingBox();
        assertThat(box.y).as("top of the node list (filters above it)").isLessThan(HEIGHT / 2.0);
        assertThat(box.height).as("height of the node list").isGreaterThan(HEIGHT / 3.0);
        checkFits("Nodes", "phone-nodes");

        open("/nodes/" + nodeId, "Node details");
        assertThat(page.getByTestId("node-id")).hasText(nodeId);
        onScreen(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Suspend…")));
        checkFits("Node details", "phone-node-details");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Suspend…")).click();
        dialogFits("phone-dialog-suspend");

        // Applications: pick one, read its details, get back to the list and pick another.
        open("/applications", "Applications");
        var firstRow = row(first);
        onScreen(firstRow);
        firstRow.click();
        var details = page.getByLabel("Application details");
        assertThat(details.locator("h2")).hasText(first);
        detailsBroughtIntoView(details); // the tap brings the details below the list into view
        onScreen(details.getByText("Approve…"));
        checkFits("Applications with one selected", "phone-applications-selected");
        details.getByText("Reject…").click();
        dialogFits("phone-dialog-reject");
        var secondRow = row(second);
        onScreen(secondRow);
        secondRow.click();
        assertThat(details.locator("h2")).hasText(second);
        detailsBroughtIntoView(details);

        // Users: a user can be picked, the details read, and the list is still there to pick another.
        open("/users", "Users");
        var userRow = row(username);
        onScreen(userRow);
        userRow.click();
        var userDetails = page.getByTestId("user-details");
        assertThat(userDetails.locator("h2")).hasText(username);
        detailsBroughtIntoView(userDetails);
        onScreen(userDetails.getByText("Reset password…"));
        checkFits("Users with one selected", "phone-users-selected");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("New user…")).click();
        dialogFits("phone-dialog-new-user");
        // Another user, next to this one in the list (the suite's other users may push "admin" out of the rows the
        // grid draws).
        var other = username + "-2";
        if (users.findByUsername(other).isEmpty()) {
            users.create(other, other + "-password-0", Role.VIEWER);
        }
        page.reload();
        assertThat(page.locator("h1[slot=navbar]")).hasText("Users");
        var otherRow = row(other);
        onScreen(otherRow);
        otherRow.click();
        assertThat(userDetails.locator("h2")).hasText(other);

        // Releases: the tier cards and every field of the publish form fit.
        open("/releases", "Releases");
        assertThat(page.getByTestId("publish-form")).isVisible();
        for (var label : List.of("Version", "Image", "Image digest", "Config hash")) {
            onScreen(page.getByTestId("publish-form").getByLabel(label, new Locator.GetByLabelOptions().setExact(true)));
        }
        for (var tier : List.of("ALL", "ORACLE", "GUARDIAN")) {
            onScreen(page.getByTestId("tier-" + tier));
        }
        checkFits("Releases", "phone-releases");
        onScreen(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Versions").setExact(true)));
        Browsers.screenshot(page, "phone-releases-versions");
        var form = page.getByTestId("publish-form");
        form.locator("vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("ALL").setExact(true)).click();
        form.getByLabel("Version").fill("6.3." + suffix);
        form.getByLabel("Image", new Locator.GetByLabelOptions().setExact(true))
                .fill("registry.noderr.network/all:6.3." + suffix);
        form.getByLabel("Image digest").fill("sha256:" + "d".repeat(64));
        form.getByLabel("Config hash").fill("0x" + "d".repeat(64));
        form.getByText("Publish on-chain").click();
        dialogFits("phone-dialog-publish");
        // The emergency rollback, offered for ORACLE (its earlier version).
        page.getByTestId("rollback-ORACLE").click();
        dialogFits("phone-dialog-emergency-rollback");

        // Rollouts: every action and every cohort of the open rollout is on screen without scrolling sideways.
        open("/rollouts", "Rollouts");
        var card = page.getByLabel("Rollout ORACLE " + version);
        assertThat(card.getByTestId("rollout-phase")).hasText("canary");
        for (var action : List.of("Promote next cohort…", "Pause…", "Abort…")) {
            onScreen(card.getByText(action));
        }
        for (var cohort : List.of("canary", "cohort1", "cohort2", "cohort3", "cohort4")) {
            onScreen(card.getByTestId("cohort-" + cohort));
        }
        checkFits("Rollouts", "phone-rollouts");
        card.getByText("Pause…").click();
        dialogFits("phone-dialog-pause");

        open("/approvals", "Approvals");
        checkFits("Approvals", "phone-approvals");

        open("/alerts", "Alerts");
        checkFits("Alerts", "phone-alerts");

        // Audit log: both halves (date and time) of the From and To pickers are on screen.
        open("/audit", "Audit log");
        for (var picker : List.of("audit-from", "audit-to")) {
            onScreen(page.getByTestId(picker).locator("vaadin-date-picker"));
            onScreen(page.getByTestId(picker).locator("vaadin-time-picker"));
        }
        checkFits("Audit log", "phone-audit");

        open("/account", "My account");
        checkFits("My account", "phone-account");
    }

    /**
     * The same Applications screen on the narrowest desktop, the details open beside the list: names wrap between
     * words, badges and times are whole, the list is as tall as the window.
     */
    @Test
    void applicationsBesideTheirDetailsOnADesktop() {
        var suffix = Long.toString(System.nanoTime() % 100_000);
        var name = "Extraordinarily Long Operator Name Incorporated International Holdings " + suffix;
        var form = Onboarding.form(name, Tier.GUARDIAN);
        applicationIds.add(applications.submit(new network.noderr.controlplane.applications.ApplicationForm(
                form.operatorName(), form.email(), form.walletAddress(), Tier.GUARDIAN,
                new network.noderr.controlplane.applications.Hardware(2, 4, 50, 10, false), form.message()),
                "127.0.0.1"));
        var rejected = applications.submit(Onboarding.form("Spammer " + suffix, Tier.ORACLE), "127.0.0.1");
        applicationIds.add(rejected);
        applications.reject(rejected, "admin", "spam");
        var context = Browsers.chromium().newContext(
                new Browser.NewContextOptions().setViewportSize(Browsers.DESKTOP_WIDTH, 800));
        context.setDefaultTimeout(20_000);
        page = context.newPage();
        Browsers.logIn(page, port, "admin", IntegrationTest.ADMIN_PASSWORD);
        open("/applications?status=ALL", "Applications");
        row(name).click();
        assertThat(page.getByLabel("Application details").locator("h2")).hasText(name);
        var grid = page.locator("vaadin-grid.applications-grid");
        Browsers.settled(page); // the list beside the details, its columns sized anew
        Browsers.screenshot(page, "desktop-applications-selected");

        assertThat(Browsers.horizontalOverflow(grid)).as("sideways scrolling of the list (px)").isZero();
        assertThat(Browsers.cutOffTexts(grid)).isEmpty();
        @SuppressWarnings("unchecked")
        var broken = (List<String>) grid.evaluate("""
                (grid) => {
                  // A word (up to 20 letters) whose letters lie on two lines was broken inside the word.
                  const broken = [];
                  for (const cell of grid.querySelectorAll('vaadin-grid-cell-content')) {
                    if (cell.getBoundingClientRect().width === 0) continue;
                    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
                      for (const m of text.data.matchAll(/\\S{2,20}/g)) {
                        const range = document.createRange();
                        range.setStart(text, m.index);
                        range.setEnd(text, m.index + m[0].length);
                        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                        if (tops.size > 1) broken.push(m[0]);
                      }
                    }
                  }
                  return broken;
                }""");
        assertThat(broken).as("words broken across lines in the list").isEmpty();
        var box = grid.boundingBox();
        assertThat(box.y + box.height).as("bottom of the list").isGreaterThan(800 - 60);
    }

    private void open(String path, String title) {
        page.navigate("http://localhost:" + port + path);
        assertThat(page.locator("h1[slot=navbar]")).hasText(title);
    }

    private Locator row(String text) {
        return page.locator("vaadin-grid-cell-content")
                .getByText(text, new Locator.GetByTextOptions().setExact(true))
                .filter(new Locator.FilterOptions().setVisible(true));
    }

    /**
     * Without the test scrolling, the details below the list come into view: their top near the top of the screen,
     * or (when they are shorter than the screen) all of them on it. Not scrolled, their heading sits halfway down and
     * the rest below the screen.
     */
    private void detailsBroughtIntoView(Locator details) {
        page.waitForFunction("(e) => { const r = e.getBoundingClientRect(); return r.top < " + HEIGHT / 4
                + " || (r.top >= 0 && r.bottom <= " + HEIGHT + "); }", details.elementHandle());
        onScreen(details.locator("h2"));
    }

    /** Scrolled to (as a user would), the element is visible and lies within the viewport's width and height. */
    private void onScreen(Locator element) {
        element.scrollIntoViewIfNeeded();
        // Late content above it (a live refresh, say) can push it down again: measured once the layout is still.
        Browsers.layoutStill(page);
        element.scrollIntoViewIfNeeded();
        assertThat(element).isVisible();
        var box = element.boundingBox();
        assertThat(box).as("box of %s", element).isNotNull();
        assertThat(box.width).as("width of %s", element).isGreaterThan(4);
        assertThat(box.x).as("left edge of %s", element).isGreaterThanOrEqualTo(-0.5);
        assertThat(box.x + box.width).as("right edge of %s", element).isLessThanOrEqualTo(WIDTH + 0.5);
        assertThat(box.y).as("top of %s", element).isGreaterThanOrEqualTo(-0.5);
        assertThat(box.y + Math.min(box.height, 40)).as("top part of %s", element).isLessThanOrEqualTo(HEIGHT + 0.5);
    }

    /**
     * The open dialog fits the phone: nothing in it runs past the left or right edge, and each of its fields and
     * buttons is on screen (scrolled to, as a user would). Then Cancel closes it.
     */
    @SuppressWarnings("unchecked")
    private void dialogFits(String screenshot) {
        // The dialog element itself has no box: its overlay (in its shadow root) and its content (slotted) have.
        var dialog = page.locator("vaadin-dialog[opened], vaadin-confirm-dialog[opened]");
        assertThat(dialog).hasCount(1);
        Browsers.dialogOpened(page);
        var problems = (List<String>) dialog.evaluate("""
                (dialog) => {
                  const found = [];
                  const shadow = dialog.shadowRoot ? [...dialog.shadowRoot.querySelectorAll('*')] : [];
                  for (const el of [...shadow, ...dialog.querySelectorAll('*')]) {
                    const r = el.getBoundingClientRect();
                    if (r.width === 0 || r.height === 0) continue;
                    if (r.right > innerWidth + 1 || r.left < -1) {
                      found.push(`${el.tagName.toLowerCase()} spans ${Math.round(r.left)}..${Math.round(r.right)} px: `
                          + (el.textContent || '').trim().slice(0, 40));
                    }
                  }
                  return found.slice(0, 12);
                }""");
        var controls = dialog.locator("vaadin-button, vaadin-text-field, vaadin-text-area, vaadin-select, "
                + "vaadin-password-field, vaadin-combo-box").filter(new Locator.FilterOptions().setVisible(true));
        assertThat(controls.count()).as("controls of %s", screenshot).isGreaterThan(1);
        for (var control : controls.all()) {
            onScreen(control);
        }
        Browsers.screenshot(page, screenshot);
        assertThat(problems).as("%s at %d px wide: what sticks out", screenshot, WIDTH).isEmpty();
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Cancel").setExact(true)).click();
        assertThat(dialog).hasCount(0);
    }

    /**
     * The page and the view do not scroll sideways, and nothing in the view (outside a grid, which may scroll sideways
     * in its own box) reaches past the right edge; then takes a full-page screenshot.
     */
    @SuppressWarnings("unchecked")
    private void checkFits(String view, String screenshot) {
        Browsers.settled(page); // the view, its data, charts and late rows, before it is measured
        var problems = (List<String>) page.evaluate("""
                () => {
                  const found = [];
                  const doc = document.documentElement;
                  if (doc.scrollWidth > innerWidth) found.push(`page is ${doc.scrollWidth} px wide`);
                  const main = document.querySelector('main');
                  if (!main) return ['no view'];
                  if (main.scrollWidth > main.clientWidth + 1) found.push(`view is ${main.scrollWidth} px wide`);
                  for (const el of main.querySelectorAll('*')) {
                    if (el.closest('vaadin-grid')) continue;
                    const r = el.getBoundingClientRect();
                    if (r.width === 0 || r.height === 0) continue;
                    if (r.right > innerWidth + 1 || r.left < -1) {
                      const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                          ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
                      found.push(`${name} spans ${Math.round(r.left)}..${Math.round(r.right)} px: `
                          + (el.textContent || '').trim().slice(0, 40));
                    }
                  }
                  return found.slice(0, 12);
                }""");
        Browsers.screenshot(page, screenshot);
        assertThat(problems).as("%s at %d px wide: what sticks out", view, WIDTH).isEmpty();
    }
}
