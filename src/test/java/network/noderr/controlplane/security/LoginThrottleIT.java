package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.sql.Connection;
import java.net.http.HttpResponse;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.audit.AuditLog;
import network.noderr.controlplane.browser.Browsers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Failed dashboard logins are limited per source address and per username, against the real server with the suite's
 * limits (application-test.yml: 10 failures per address, 4 per username), from addresses and usernames no other test
 * uses. The refill is covered by {@link LoginThrottleTest}.
 */
@IntegrationTest
class LoginThrottleIT {

    static final int ADDRESS_LIMIT = 10;

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    AuditLog audit;

    @Autowired
    DataSource dataSource;

    @Test
    void anAddressWithTooManyFailuresIsRefusedEvenWithTheRightPassword() throws Exception {
        user("throttle-addr");
        user("throttle-other");
        var guesser = client("127.0.0.21");
        // Spread over usernames, so that the per-username limit (4) is not what refuses.
        for (int i = 0; i < ADDRESS_LIMIT; i++) {
            assertWrongPassword(guesser.login(i < 3 ? "throttle-addr" : "throttle-nobody-" + i, "guess-" + i));
        }

        var refused = guesser.login("throttle-addr", "throttle-addr-password");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).matches("Too many failed logins: try again in \\d+ minutes?\\.");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(guesser.call("LoginStatusService", "lastRefusal", "{}").body())
                .as("the login view can show why")
                .contains("Too many failed logins");
        assertThat(guesser.login("throttle-other", "throttle-other-password").statusCode())
                .as("the address is refused for every username")
                .isEqualTo(429);

        assertThat(client("127.0.0.22").login("throttle-other", "throttle-other-password").statusCode())
                .as("another user from another address")
                .isEqualTo(200);
        assertThat(client("127.0.0.22").login("throttle-addr", "throttle-addr-password").statusCode())
                .as("the same user from another address: 3 of its 4 failures used")
                .isEqualTo(200);

        var entries = audit.find(new AuditLog.Query("throttle-addr", null, null, "refused", null, null, null, 10));
        assertThat(entries).anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("POST /login: too many failed logins");
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.sourceAddress()).isEqualTo("127.0.0.21");
        });
        // Each wrong password is audited under the username tried, with the source address and never the password.
        var failed = audit.find(new AuditLog.Query("throttle-addr", "wrong user name or password", null, "refused",
                null, null, null, 10));
        assertThat(failed).hasSize(3).allSatisfy(e -> {
            assertThat(e.action()).isEqualTo("POST /login: wrong user name or password");
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.sourceAddress()).isEqualTo("127.0.0.21");
        });
        // A name no account has is recorded as such, not as typed: it may be a password typed into the wrong field.
        assertThat(audit.find(new AuditLog.Query("throttle-nobody-5", null, null, null, null, null, null, 10)))
                .as("an unknown username tried").isEmpty();
        assertThat(audit.find(new AuditLog.Query(LoginThrottle.UNKNOWN_USER, "wrong user name or password", null,
                "refused", null, null, null, 1000))).anySatisfy(e -> assertThat(e.sourceAddress())
                        .isEqualTo("127.0.0.21"));
        assertThat(audit.find(new AuditLog.Query(null, null, null, null, null, null, null, 10_000)))
                .as("no password in the audit log")
                .noneSatisfy(e -> assertThat(String.join("|", e.action(), String.valueOf(e.target()),
                        String.valueOf(e.detail()))).contains("guess-"));
    }

    @Test
    void aUsernameWithTooManyFailuresIsRefusedFromEveryAddress() throws Exception {
        user("throttle-user");
        for (int i = 0; i < 4; i++) {
            assertWrongPassword(client("127.0.0." + (31 + i)).login("throttle-user", "guess-" + i));
        }
        var refused = client("127.0.0.40").login("THROTTLE-USER", "throttle-user-password");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).startsWith("Too many failed logins");

        // The login view says so instead of "incorrect password".
        var page = Browsers.newPage();
        try {
            page.navigate("http://localhost:" + port + "/login");
            page.locator("input[name=username]").fill("throttle-user");
            page.locator("input[name=password]").fill("throttle-user-password");
            page.locator("input[name=password]").press("Enter");
            com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(
                            page.getByText(Pattern.compile("Too many failed logins: try again in \\d+ minutes?")))
                    .isVisible();
            com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(page)
                    .hasURL(Pattern.compile(".*/login$"));
            Browsers.screenshot(page, "login-throttled");
        } finally {
            page.context().close();
        }
    }

    /**
     * A name spelled with a letter PostgreSQL folds onto an ASCII one ("İ" onto "i") is no account's name: it cannot
     * log in past the account's own refused budget.
     */
    @Test
    void aLookAlikeSpellingOfAThrottledNameDoesNotLogIn() throws Exception {
        user("throttle-mini");
        for (int i = 0; i < 4; i++) {
            assertWrongPassword(client("127.0.0." + (81 + i)).login("throttle-mini", "guess-" + i));
        }
        assertThat(client("127.0.0.85").login("throttle-mini", "throttle-mini-password").statusCode()).isEqualTo(429);
        var lookAlike = client("127.0.0.86").login("throttle-m\u0130ni", "throttle-mini-password");
        assertThat(lookAlike.statusCode()).as("no account has that name").isNotEqualTo(200);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // without the statement timeout the login would wait for the lock for ever
    void aLoginWhoseThrottleCannotBeReadIsRefusedWith503NotLetThrough() throws Exception {
        user("throttle-locked");
        var client = client("127.0.0.60");
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (var st = holder.createStatement()) {
                st.execute("LOCK TABLE " + SharedBuckets.TABLE + " IN ACCESS EXCLUSIVE MODE");
            }
            var refused = client.login("throttle-locked", "throttle-locked-password");
            holder.rollback();

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).contains("5");
            assertThat(refused.body()).isEqualTo("Login is unavailable for a moment: try again in a few seconds.");
        }
        assertThat(client.call("LoginStatusService", "lastRefusal", "{}").body())
                .as("the login view can show why")
                .contains("Login is unavailable for a moment");
        assertThat(client.login("throttle-locked", "throttle-locked-password").statusCode())
                .as("once the lock is gone")
                .isEqualTo(200);
    }

    @Test
    void successfulLoginsTakeNothing() throws Exception {
        user("throttle-ok");
        var client = client("127.0.0.50");
        for (int i = 0; i < 6; i++) {
            assertThat(client.login("throttle-ok", "throttle-ok-password").statusCode()).isEqualTo(200);
        }
        assertWrongPassword(client.login("throttle-ok", "wrong"));
        assertThat(client.login("throttle-ok", "throttle-ok-password").statusCode()).isEqualTo(200);
    }

    private void user(String name) {
        if (users.findByUsername(name).isEmpty()) {
            users.create(name, name + "-password", Role.VIEWER);
        }
    }

    private DashboardClient client(String address) throws Exception {
        return new DashboardClient(port, InetAddress.getByName(address));
    }

    private static void assertWrongPassword(HttpResponse<String> response) {
        assertThat(response.statusCode()).as("a wrong password, not yet refused").isNotIn(200, 429);
    }
}
