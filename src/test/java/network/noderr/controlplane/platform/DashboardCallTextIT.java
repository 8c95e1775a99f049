package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestUsers;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * A NUL in a dashboard call's argument is a validation error naming the parameter (400, as the Hilla client expects
 * it), not a 500 from PostgreSQL refusing the text. An IT: the login page exists only in the production bundle.
 */
@IntegrationTest
class DashboardCallTextIT {

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    private final JsonMapper json = JsonMapper.builder().build();
    private DashboardClient viewer;

    @BeforeEach
    void logIn() throws Exception {
        var name = "text-viewer";
        TestUsers.token(users, tokens, name, Role.VIEWER);
        viewer = new DashboardClient(port);
        assertThat(viewer.login(name, name + "-password").statusCode()).isEqualTo(200);
    }

    @Test
    void aNulInAnArgumentIsAValidationErrorNamingIt() throws Exception {
        var details = viewer.call("NodeRegistryService", "details", "{\"nodeId\":\"node-\\u0000\"}");
        assertThat(details.statusCode()).isEqualTo(400);
        var error = json.readTree(details.body());
        assertThat(error.path("type").asString()).endsWith("EndpointValidationException");
        assertThat(error.path("message").asString()).as("what the dashboard shows")
                .isEqualTo("nodeId must not contain NUL characters");
        assertThat(error.path("validationErrorData").get(0).path("parameterName").asString()).isEqualTo("nodeId");
        assertThat(error.path("validationErrorData").get(0).path("message").asString())
                .isEqualTo("nodeId must not contain NUL characters");

        var audit = viewer.call("AuditService", "find",
                "{\"actor\":\"admin\",\"action\":null,\"target\":\"x\\u0000y\",\"outcome\":null,\"from\":null,"
                        + "\"to\":null,\"beforeId\":null}");
        assertThat(audit.statusCode()).isEqualTo(400);
        assertThat(json.readTree(audit.body()).path("validationErrorData").get(0).path("parameterName").asString())
                .isEqualTo("target");

        var nested = viewer.call("NodeRegistryService", "find",
                "{\"query\":{\"text\":\"\\u0000\",\"page\":0,\"size\":10}}");
        assertThat(nested.statusCode()).as("a NUL inside an object argument").isEqualTo(400);
        assertThat(json.readTree(nested.body()).path("validationErrorData").get(0).path("parameterName").asString())
                .isEqualTo("query");
    }

    @Test
    void callsWithoutNulAreUnchanged() throws Exception {
        var unknown = viewer.call("NodeRegistryService", "details", "{\"nodeId\":\"no-such-node\"}");
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(unknown.body()).isEqualTo("null");
        var escapedBackslash = viewer.call("NodeRegistryService", "details", "{\"nodeId\":\"a\\\\u0000\"}");
        assertThat(escapedBackslash.statusCode()).as("the text \\u0000, not a NUL").isEqualTo(200);
        var page = viewer.call("NodeRegistryService", "find", "{\"query\":{\"text\":\"a\",\"page\":0,\"size\":10}}");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(json.readTree(page.body()).has("items")).isTrue();
    }
}
