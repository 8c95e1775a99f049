package network.noderr.agent.dashboard;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** The control plane's dashboard in one real headless Chromium (Debian's package) for the test JVM. */
final class Dashboard {

    private static Browser browser;

    private Dashboard() {}

    private static synchronized Browser chromium() {
        if (browser == null) {
            var executable = Path.of(System.getenv().getOrDefault("NODERR_CHROMIUM", "/usr/bin/chromium"));
            if (!Files.isExecutable(executable)) {
                throw new IllegalStateException("No Chromium at " + executable
                        + ": run the tests with ./test (it installs Chromium) or set NODERR_CHROMIUM.");
            }
            var playwright = Playwright.create();
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(executable)
                    .setHeadless(true).setArgs(List.of("--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                browser.close();
                playwright.close();
            }));
        }
        return browser;
    }

    /** A fresh browser context, logged in through the login view. */
    static Page logIn(URI base, String username, String password) {
        var context = chromium().newContext(new Browser.NewContextOptions().setViewportSize(1400, 900)
                .setBaseURL(base.toString()));
        context.setDefaultTimeout(30_000);
        var page = context.newPage();
        page.navigate("/login");
        page.locator("input[name=username]").fill(username);
        page.locator("input[name=password]").fill(password);
        page.locator("input[name=password]").press("Enter");
        assertThat(page).not().hasURL(Pattern.compile(".*/login.*"));
        return page;
    }

    /** Opens a screen from the side menu. */
    static void open(Page page, String screen) {
        page.locator("vaadin-side-nav").getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName(screen)
                .setExact(true)).click();
    }

    /** Picks {@code option} in the select labelled {@code label}. */
    static void choose(Page page, String label, String option) {
        page.getByLabel(label, new Page.GetByLabelOptions().setExact(true)).click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName(option).setExact(true)).click();
    }

    /** Picks {@code option} in the only select inside {@code within}. */
    static void choose(Locator within, Page page, String option) {
        within.locator("vaadin-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName(option).setExact(true)).click();
    }

    /** Closes the toasts still showing (earlier steps' confirmations), for a screenshot of the screen itself. */
    static void closeToasts(Page page) {
        page.evaluate("document.querySelectorAll('vaadin-notification').forEach(n => n.opened = false)");
        page.waitForFunction("!document.querySelector('vaadin-notification-card')");
    }

    /** Saves a screenshot under target/screenshots. */
    static void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", name + ".png"))
                .setFullPage(true));
    }
}
