package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Server-side role checks on browser-callable services, over real HTTP with real sessions: who may call what, the
 * user administration calls, and sessions that follow the users table (disabled users, changed roles).
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoleAccessIT {

    private static final String PASSWORD = "a-long-enough-password";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    void createUsers() {
        for (var role : Role.values()) {
            var name = "role-test-" + role.name().toLowerCase();
            if (users.findByUsername(name).isEmpty()) {
                users.create(name, PASSWORD, role);
            }
        }
    }

    @Test
    void viewerIsRefusedAnAdminOnlyService() throws Exception {
        var viewer = loggedIn("role-test-viewer");
        var response = viewer.call("UserAdminService", "list", "{}");
        assertThat(response.statusCode()).isIn(401, 403);
        assertThat(response.body()).doesNotContain("role-test-admin");
    }

    @Test
    void releaseManagerIsRefusedAnAdminOnlyService() throws Exception {
        var manager = loggedIn("role-test-release_manager");
        assertThat(manager.call("UserAdminService", "list", "{}").statusCode()).isIn(401, 403);
    }

    @Test
    void adminMayCallTheAdminOnlyService() throws Exception {
        var admin = loggedIn("role-test-admin");
        var response = admin.call("UserAdminService", "list", "{}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("role-test-viewer");
    }

    @Test
    void viewerMayReadTheRegistryBecauseEveryRoleImpliesViewer() throws Exception {
        var query = """
                {"query":{"page":0,"size":10,"descending":false}}""";
        assertThat(loggedIn("role-test-viewer").call("NodeRegistryService", "find", query).statusCode())
                .isEqualTo(200);
        assertThat(loggedIn("role-test-admin").call("NodeRegistryService", "find", query).statusCode())
                .isEqualTo(200);
    }

    @Test
    void anonymousCallersAreRefused() throws Exception {
        var anonymous = new DashboardClient(port);
        var query = """
                {"query":{"page":0,"size":10,"descending":false}}""";
        // A fresh client still needs a CSRF token; logging in with bad credentials fetches one and stays anonymous.
        anonymous.login("nobody", "wrong-password-123");
        assertThat(anonymous.call("NodeRegistryService", "find", query).statusCode()).isIn(401, 403);
    }

    @Test
    void callsWithoutTheSessionsCsrfTokenAreRefused() throws Exception {
        var admin = loggedIn("role-test-admin");
        var forged = admin.callWithCsrfToken("UserAdminService", "list", "{}", "forged-token");
        assertThat(forged.statusCode()).as("a logged-in session without its CSRF token").isIn(401, 403);
        assertThat(forged.body()).doesNotContain("role-test-viewer");
        assertThat(admin.call("UserAdminService", "list", "{}").statusCode()).as("with the real token").isEqualTo(200);
    }

    @Test
    void wrongPasswordDoesNotLogIn() throws Exception {
        var client = new DashboardClient(port);
        var response = client.login("role-test-admin", "not-the-password");
        assertThat(response.statusCode()).isNotEqualTo(200);
        assertThat(client.call("UserAdminService", "list", "{}").statusCode()).isIn(401, 403);
    }

    @Test
    void viewersAndReleaseManagersAreRefusedEveryUserAdminCall() throws Exception {
        var target = newUser("hilla-target", Role.VIEWER);
        var tokenId = apiTokens.issue(target.id(), "target").id();
        for (var name : List.of("role-test-viewer", "role-test-release_manager")) {
            var client = loggedIn(name);
            var id = "\"id\":\"" + target.id() + "\"";
            var calls = Map.of(
                    "list", "{}",
                    "create", "{\"user\":{\"username\":\"sneaky-" + name + "\",\"password\":"
                            + "\"long-enough-password\",\"role\":\"ADMIN\"}}",
                    "changeRole", "{" + id + ",\"role\":\"ADMIN\"}",
                    "setEnabled", "{" + id + ",\"enabled\":false}",
                    "resetPassword", "{" + id + ",\"password\":\"taken-over-password\"}",
                    "tokens", "{" + id + "}",
                    "revokeToken", "{" + id + ",\"tokenId\":\"" + tokenId + "\"}");
            for (var call : calls.entrySet()) {
                var response = client.call("UserAdminService", call.getKey(), call.getValue());
                assertThat(response.statusCode()).as("%s calling %s", name, call.getKey()).isIn(401, 403);
            }
        }
        var unchanged = users.findById(target.id()).orElseThrow();
        assertThat(unchanged.role()).isEqualTo(Role.VIEWER);
        assertThat(unchanged.enabled()).isTrue();
        assertThat(apiTokens.list(target.id()).getFirst().revokedAt()).isNull();
        assertThat(users.findByUsername("sneaky-role-test-viewer")).isEmpty();
        assertThat(loggedIn(target.username(), target.username() + "-password")).as("password unchanged").isNotNull();
    }

    @Test
    void anAdminManagesUsersThroughTheDashboardServiceWithinTheGuardRails() throws Exception {
        var admin = loggedIn("role-test-admin");
        var target = newUser("hilla-managed", Role.VIEWER);
        var id = "\"id\":\"" + target.id() + "\"";

        var promoted = admin.call("UserAdminService", "changeRole", "{" + id + ",\"role\":\"RELEASE_MANAGER\"}");
        assertThat(promoted.statusCode()).isEqualTo(200);
        assertThat(promoted.body()).contains("\"role\":\"RELEASE_MANAGER\"");
        var reset = admin.call("UserAdminService", "resetPassword", "{" + id + ",\"password\":null}");
        assertThat(reset.statusCode()).isEqualTo(200);
        var generated = reset.body().replaceAll(".*\"generatedPassword\":\"([^\"]+)\".*", "$1");
        assertThat(generated).hasSizeGreaterThanOrEqualTo(UserAccounts.MIN_PASSWORD_LENGTH);
        assertThat(loggedIn(target.username(), generated)).as("the generated password works").isNotNull();

        var self = "\"id\":\"" + users.findByUsername("role-test-admin").orElseThrow().id() + "\"";
        var disableSelf = admin.call("UserAdminService", "setEnabled", "{" + self + ",\"enabled\":false}");
        assertThat(disableSelf.statusCode()).isEqualTo(400);
        assertThat(disableSelf.body()).contains("You cannot disable your own account");
        var demoteSelf = admin.call("UserAdminService", "changeRole", "{" + self + ",\"role\":\"VIEWER\"}");
        assertThat(demoteSelf.body()).contains("You cannot demote your own account");
        assertThat(users.findByUsername("role-test-admin").orElseThrow().role()).isEqualTo(Role.ADMIN);
        var resetSelf = admin.call("UserAdminService", "resetPassword", "{" + self + ",\"password\":null}");
        assertThat(resetSelf.statusCode()).isEqualTo(400);
        assertThat(resetSelf.body()).contains("use My account to change your own password");
        assertThat(admin.call("MyAccountService", "tokens", "{}").statusCode()).as("the admin's session stays")
                .isEqualTo(200);

        var taken = admin.call("UserAdminService", "create", "{\"user\":{\"username\":\"" + target.username()
                + "\",\"password\":\"long-enough-password\",\"role\":\"VIEWER\"}}");
        assertThat(taken.statusCode()).isEqualTo(400);
        assertThat(taken.body()).as("a field error the form shows under the username")
                .contains("\"parameterName\":\"username\"").contains("already exists");

        var audited = jdbc.sql("SELECT count(*) FROM audit_log WHERE actor = 'role-test-admin' "
                        + "AND action = 'UserAdminService.changeRole' AND target = :id AND outcome = 'success'")
                .param("id", target.id().toString())
                .query(Long.class)
                .single();
        assertThat(audited).isEqualTo(1);
    }

    @Test
    void disablingAUserEndsTheirSessionAndRefusesTheirLogin() throws Exception {
        var user = newUser("session-disabled", Role.RELEASE_MANAGER);
        var session = loggedIn(user.username(), user.username() + "-password");
        assertThat(session.call("MyAccountService", "tokens", "{}").statusCode()).isEqualTo(200);

        users.setEnabled("role-test-admin", user.id(), false);
        assertThat(session.call("MyAccountService", "tokens", "{}").statusCode())
                .as("the open session ends at its next request").isIn(401, 403);
        assertThat(new DashboardClient(port).login(user.username(), user.username() + "-password").statusCode())
                .as("a disabled user cannot log in").isNotEqualTo(200);

        users.setEnabled("role-test-admin", user.id(), true);
        assertThat(loggedIn(user.username(), user.username() + "-password")
                .call("MyAccountService", "tokens", "{}").statusCode()).isEqualTo(200);
    }

    @Test
    void aPasswordResetEndsTheUsersOpenSessions() throws Exception {
        var user = newUser("session-reset", Role.VIEWER);
        var session = loggedIn(user.username(), user.username() + "-password");
        assertThat(session.call("MyAccountService", "tokens", "{}").statusCode()).isEqualTo(200);

        var admin = loggedIn("role-test-admin");
        var reset = admin.call("UserAdminService", "resetPassword", "{\"id\":\"" + user.id() + "\",\"password\":null}");
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(session.call("MyAccountService", "tokens", "{}").statusCode())
                .as("the session that logged in with the old password ends").isIn(401, 403);
        assertThat(admin.call("MyAccountService", "tokens", "{}").statusCode()).as("the admin's own session stays")
                .isEqualTo(200);

        var generated = reset.body().replaceAll(".*\"generatedPassword\":\"([^\"]+)\".*", "$1");
        assertThat(loggedIn(user.username(), generated).call("MyAccountService", "tokens", "{}").statusCode())
                .as("a login with the new password works").isEqualTo(200);
    }

    @Test
    void changingYourPasswordKeepsThisSessionAndEndsTheOthers() throws Exception {
        var user = newUser("session-change", Role.VIEWER);
        var here = loggedIn(user.username(), user.username() + "-password");
        var elsewhere = loggedIn(user.username(), user.username() + "-password");

        var change = here.call("MyAccountService", "changePassword",
                "{\"currentPassword\":\"" + user.username() + "-password\",\"newPassword\":\"a-brand-new-password\"}");
        assertThat(change.statusCode()).isEqualTo(200);
        assertThat(here.call("MyAccountService", "tokens", "{}").statusCode()).as("the session that changed it")
                .isEqualTo(200);
        assertThat(elsewhere.call("MyAccountService", "tokens", "{}").statusCode()).as("another session")
                .isIn(401, 403);
        assertThat(new DashboardClient(port).login(user.username(), user.username() + "-password").statusCode())
                .as("the old password").isNotEqualTo(200);
        assertThat(loggedIn(user.username(), "a-brand-new-password").call("MyAccountService", "tokens", "{}")
                        .statusCode()).isEqualTo(200);
    }

    @Test
    void aRoleChangeAppliesToAnOpenSession() throws Exception {
        var user = newUser("session-promoted", Role.VIEWER);
        var session = loggedIn(user.username(), user.username() + "-password");
        assertThat(session.call("UserAdminService", "list", "{}").statusCode()).isIn(401, 403);

        users.changeRole("role-test-admin", user.id(), Role.ADMIN);
        assertThat(session.call("UserAdminService", "list", "{}").statusCode()).isEqualTo(200);
        assertThat(session.call("CurrentUserService", "getUserInfo", "{}").body()).contains("\"role\":\"ADMIN\"");

        users.changeRole("role-test-admin", user.id(), Role.VIEWER);
        assertThat(session.call("UserAdminService", "list", "{}").statusCode()).isIn(401, 403);
        assertThat(session.call("NodeRegistryService", "find", "{\"query\":{\"page\":0,\"size\":10,"
                        + "\"descending\":false}}").statusCode())
                .as("still logged in, as a viewer").isEqualTo(200);
    }

    @Test
    void aDashboardLoginIsRecordedButAnApiTokenIsNot() throws Exception {
        var user = newUser("last-login", Role.VIEWER);
        assertThat(user.lastLoginAt()).isNull();
        var token = apiTokens.issue(user.id(), "not-a-login").token();
        assertThat(new ApiClient(port).get("/api/v1/admin/nodes?size=1", token).status()).isEqualTo(200);
        assertThat(users.findById(user.id()).orElseThrow().lastLoginAt()).isNull();

        loggedIn(user.username(), user.username() + "-password");
        assertThat(users.findById(user.id()).orElseThrow().lastLoginAt()).isNotNull();
    }

    @Test
    void passwordChangeErrorsNameTheirField() throws Exception {
        var user = newUser("password-fields", Role.VIEWER);
        var session = loggedIn(user.username(), user.username() + "-password");
        var wrong = session.call("MyAccountService", "changePassword",
                "{\"currentPassword\":\"not-my-password\",\"newPassword\":\"a-new-long-password\"}");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("\"parameterName\":\"currentPassword\"");
        var tooShort = session.call("MyAccountService", "changePassword",
                "{\"currentPassword\":\"" + user.username() + "-password\",\"newPassword\":\"short\"}");
        assertThat(tooShort.body()).contains("\"parameterName\":\"newPassword\"").contains("at least 12");
    }

    private UserAccount newUser(String prefix, Role role) {
        var name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        return users.create(name, name + "-password", role);
    }

    private DashboardClient loggedIn(String username, String password) throws Exception {
        var client = new DashboardClient(port);
        var response = client.login(username, password);
        assertThat(response.statusCode()).as("login of %s", username).isEqualTo(200);
        return client;
    }

    private DashboardClient loggedIn(String username) throws Exception {
        var client = new DashboardClient(port);
        var response = client.login(username, PASSWORD);
        assertThat(response.statusCode()).as("login of %s", username).isEqualTo(200);
        return client;
    }
}
