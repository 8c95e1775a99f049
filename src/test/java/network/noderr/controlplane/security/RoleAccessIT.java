package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Server-side role checks on browser-callable services, over real HTTP with real sessions. */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoleAccessIT {

    private static final String PASSWORD = "a-long-enough-password";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

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

    private DashboardClient loggedIn(String username) throws Exception {
        var client = new DashboardClient(port);
        var response = client.login(username, PASSWORD);
        assertThat(response.statusCode()).as("login of %s", username).isEqualTo(200);
        return client;
    }
}
