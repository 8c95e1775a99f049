package network.noderr.controlplane.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One real headless Chromium for the whole test JVM (Debian's package; test tools cannot download browsers here).
 * Each test gets its own context (cookies, storage), so tests do not share sessions.
 */
public final class Browsers {

    private static Playwright playwright;
    private static Browser browser;

    private Browsers() {}

    public static synchronized Browser chromium() {
        if (browser == null) {
            var executable = Path.of(System.getenv().getOrDefault("NODERR_CHROMIUM", "/usr/bin/chromium"));
            if (!Files.isExecutable(executable)) {
                throw new IllegalStateException("No Chromium at " + executable
                        + ": run the tests with ./test (it installs Chromium) or set NODERR_CHROMIUM.");
            }
            playwright = Playwright.create();
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(executable)
                    .setHeadless(true)
                    .setArgs(List.of(
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                browser.close();
                playwright.close();
            }));
        }
        return browser;
    }

    /** A fresh page in its own browser context with a desktop-sized viewport. */
    public static Page newPage() {
        return newPage(new Browser.NewContextOptions());
    }

    /** A fresh page in its own browser context with these options and a desktop-sized viewport. */
    public static Page newPage(Browser.NewContextOptions options) {
        var context = chromium().newContext(options.setViewportSize(1400, 900));
        context.setDefaultTimeout(20_000);
        return context.newPage();
    }

    /** Logs in through the login view and waits for the start page (the Overview). */
    public static void logIn(Page page, int port, String username, String password) {
        page.navigate("http://localhost:" + port + "/login");
        page.locator("input[name=username]").fill(username);
        page.locator("input[name=password]").fill(password);
        page.locator("input[name=password]").press("Enter");
        com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(page)
                .hasURL(java.util.regex.Pattern.compile(".*:" + port + "/(\\?continue)?$"));
        com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(
                page.locator("h1[slot=navbar]")).hasText("Overview");
    }

    /**
     * Logs in as {@code username} (created with {@code role} and the password {@code <username>-password} when
     * missing) in a fresh page and opens {@code screen} from the menu.
     */
    public static Page openAs(network.noderr.controlplane.security.UserAccounts users, int port, String username,
            network.noderr.controlplane.security.Role role, String screen) {
        if (users.findByUsername(username).isEmpty()) {
            users.create(username, username + "-password", role);
        }
        var page = newPage();
        logIn(page, port, username, username + "-password");
        openScreen(page, screen);
        return page;
    }

    /** Opens a screen from the side menu (screens also link to each other, so the menu is named). */
    public static void openScreen(Page page, String screen) {
        page.locator("vaadin-side-nav")
                .getByRole(com.microsoft.playwright.options.AriaRole.LINK,
                        new com.microsoft.playwright.Locator.GetByRoleOptions().setName(screen).setExact(true))
                .click();
    }

    /**
     * Waits until a dialog is open and its overlay's opening animation has ended (Vaadin marks the dialog and its
     * overlay {@code opening} meanwhile), so that what is measured, checked or photographed next is the dialog as it
     * stays, whatever the machine's speed.
     */
    public static void dialogOpened(Page page) {
        page.waitForFunction("""
                () => {
                  const open = [...document.querySelectorAll('vaadin-dialog[opened], vaadin-confirm-dialog[opened]')];
                  return open.length > 0 && !document.querySelector('[opening]')
                      && open.every((dialog) => !dialog.shadowRoot?.querySelector('[opening]'));
                }""");
    }

    /**
     * Waits until no dialog is open or still closing. A dialog gives focus back to its opener when its closing
     * animation ends, so a select opened before that is closed again by the focus moving away (and a click then
     * seems lost).
     */
    public static void dialogsClosed(Page page) {
        page.waitForFunction("""
                () => !document.querySelector('vaadin-dialog[opened], vaadin-confirm-dialog[opened], [closing]')""");
    }

    /**
     * Waits until the screen has settled, so that what is measured next is the screen as it stays, whatever the
     * machine's speed: its view is there (views are loaded lazily: Approvals, Alerts and My account have no
     * {@code main} yet when the layout shows their title), since the page loaded no request has been open for half a
     * second (the view's data, late rows), and its layout has not changed for ten animation frames (charts, columns
     * sized to what arrived). Gives up waiting for the layout after ten seconds.
     */
    public static void settled(Page page) {
        page.locator("main").first().waitFor();
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.NETWORKIDLE);
        layoutStill(page);
    }

    /**
     * Waits until nothing in the view has moved or changed size for ten animation frames (a grid sizes its columns to
     * the rows that arrived a moment after drawing them), or ten seconds have passed.
     */
    public static void layoutStill(Page page) {
        page.evaluate("""
                async () => {
                  const shape = () => [...document.querySelectorAll('main, main *')].map((el) => {
                    const r = el.getBoundingClientRect();
                    return `${r.left},${r.top},${r.width},${r.height}`;
                  }).join(' ') + ` ${document.documentElement.scrollWidth}`;
                  const deadline = performance.now() + 10_000;
                  let last = shape();
                  for (let still = 0; still < 10 && performance.now() < deadline;) {
                    await new Promise((resolve) => requestAnimationFrame(resolve));
                    const now = shape();
                    still = now === last ? still + 1 : 0;
                    last = now;
                  }
                }""");
    }

    /** Saves a screenshot under target/screenshots (the failsafe configuration names the folder). */
    public static void screenshot(Page page, String name) {
        var dir = Path.of(System.getProperty("noderr.screenshots", "target/screenshots"));
        page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve(name + ".png")).setFullPage(true));
    }

    /** Saves a screenshot of one element (a list below the fold, say) under target/screenshots. */
    public static void screenshot(com.microsoft.playwright.Locator element, String name) {
        var dir = Path.of(System.getProperty("noderr.screenshots", "target/screenshots"));
        element.screenshot(new com.microsoft.playwright.Locator.ScreenshotOptions().setPath(dir.resolve(name + ".png")));
    }

    /** The narrowest desktop the screens are made for: with the menu open, 1280 px wide. */
    public static final int DESKTOP_WIDTH = 1280;

    /**
     * How many pixels a grid's content is wider than the grid (0 when every column fits): the admin would have to
     * scroll the grid sideways to see the rest. Measured once the layout is still.
     */
    public static int horizontalOverflow(com.microsoft.playwright.Locator grid) {
        layoutStill(grid.page());
        return ((Number) grid.evaluate("""
                (grid) => {
                  const table = grid.shadowRoot.querySelector('#table');
                  return Math.max(0, table.scrollWidth - table.clientWidth);
                }""")).intValue();
    }

    /**
     * Texts shown cut off inside {@code root} at the page's current size: grid cells whose content is wider than the
     * cell, and select values that reach into the last 20 px of the field, which Lumo fades out (its overflow mask).
     * Measured once the layout is still.
     */
    @SuppressWarnings("unchecked")
    public static List<String> cutOffTexts(com.microsoft.playwright.Locator root) {
        layoutStill(root.page());
        return (List<String>) root.evaluate("""
                (root) => {
                  const cut = [];
                  for (const cell of root.querySelectorAll('vaadin-grid-cell-content')) {
                    const text = cell.textContent.trim();
                    if (text && cell.clientWidth > 0 && cell.scrollWidth > cell.clientWidth + 1) {
                      cut.push('grid cell: ' + text);
                    }
                  }
                  for (const select of root.querySelectorAll('vaadin-select')) {
                    const button = select.querySelector('vaadin-select-value-button');
                    const item = button?.querySelector('vaadin-select-item');
                    if (!item || button.clientWidth === 0) continue;
                    const text = document.createRange();
                    text.selectNodeContents(item);
                    if (text.getBoundingClientRect().right > button.getBoundingClientRect().right - 20) {
                      cut.push('select ' + select.label + ': ' + item.textContent.trim());
                    }
                  }
                  return cut;
                }""");
    }
}
