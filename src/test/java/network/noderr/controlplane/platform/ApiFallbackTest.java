package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Unknown API paths are a 404 problem, never the dashboard's HTML page with a 200. */
@IntegrationTest
class ApiFallbackTest {

    @LocalServerPort
    int port;

    @Test
    void unknownApiPathsAnswer404ProblemJson() {
        var api = new ApiClient(port);
        var response = api.get("/api/v1/admin/no-such-thing/42", IntegrationTest.ADMIN_TOKEN);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.problemType()).isEqualTo("not-found");
        assertThat(response.headers().get("content-type").getFirst()).startsWith("application/problem+json");
        assertThat(api.get("/api/v1/admin/no-such-thing/42", null).status()).as("still deny by default")
                .isEqualTo(401);
        assertThat(api.get("/api/v1/health-check", null).status()).as("real endpoints unaffected").isEqualTo(200);
    }
}
