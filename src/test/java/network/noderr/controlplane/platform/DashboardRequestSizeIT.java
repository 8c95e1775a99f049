package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestUsers;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard's endpoint calls ({@code /connect/**}) are JSON bodies the server parses whole before it checks who may
 * call the method: they get the API's 64 KiB limit (413 beyond), also for a visitor who only opened the login page
 * (whose session and CSRF token anyone can get) and for every signed-in role.
 * An IT: the pages exist only in the production frontend bundle, which the package phase builds.
 */
@IntegrationTest
class DashboardRequestSizeIT {

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    /** {@code {"nodeId": "aaa…"}} of about {@code bytes} bytes. */
    private static String body(int bytes) {
        return "{\"nodeId\":\"" + "a".repeat(bytes) + "\"}";
    }

    @Test
    void anAnonymousVisitorCannotSendALargeBody() throws Exception {
        var visitor = new DashboardClient(port);
        visitor.openLoginPage();
        assertThat(visitor.call("LoginStatusService", "lastRefusal", "{}").statusCode()).as("a small call")
                .isEqualTo(200);
        var large = visitor.call("LoginStatusService", "lastRefusal", body(4 * 1024 * 1024));
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(large.body()).contains("body-too-large");
    }

    @Test
    void aSignedInViewerCannotSendALargeBody() throws Exception {
        var name = "size-viewer";
        TestUsers.token(users, tokens, name, Role.VIEWER);
        var viewer = new DashboardClient(port);
        assertThat(viewer.login(name, name + "-password").statusCode()).isEqualTo(200);
        assertThat(viewer.call("AuditService", "forTarget", "{\"target\":\"x\"}").statusCode()).isEqualTo(200);
        assertThat(viewer.call("AuditService", "forTarget", body(4 * 1024 * 1024)).statusCode()).isEqualTo(413);
        assertThat(viewer.call("AuditService", "forTarget", body(60 * 1024).replace("nodeId", "target"))
                .statusCode()).as("under the limit").isEqualTo(200);
    }
}
