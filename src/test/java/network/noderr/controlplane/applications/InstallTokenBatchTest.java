package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** An approved operator gets more install tokens at once: one per node, each single-use. */
@IntegrationTest
class InstallTokenBatchTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Test
    void issuesSingleUseTokensForAnApprovedApplication() {
        var api = new ApiClient(port);
        var id = applications.submit(Onboarding.form("Batch Operator " + System.nanoTime(), Tier.GUARDIAN), "127.0.0.1");

        var pending = api.post("/api/v1/admin/applications/" + id + "/install-tokens", Map.of("count", 2),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(pending.status()).isEqualTo(409);
        assertThat(pending.problemType()).isEqualTo("application-not-approved");

        applications.approve(id, "admin", "http://localhost");
        assertThat(api.post("/api/v1/admin/applications/" + id + "/install-tokens", Map.of("count", 0),
                IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(400);
        var batch = api.post("/api/v1/admin/applications/" + id + "/install-tokens", Map.of("count", 3),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(batch.status()).isEqualTo(200);
        assertThat(batch.text("tier")).isEqualTo("GUARDIAN");
        var tokens = batch.body().path("tokens");
        assertThat(tokens).hasSize(3);

        var first = api.post("/api/v1/auth/register", Onboarding.registration(tokens.get(0).asText(),
                TestNodeKey.generate(), null));
        var second = api.post("/api/v1/auth/register", Onboarding.registration(tokens.get(1).asText(),
                TestNodeKey.generate(), null));
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(201);
        assertThat(first.text("nodeId")).isNotEqualTo(second.text("nodeId"));
        var reused = api.post("/api/v1/auth/register", Onboarding.registration(tokens.get(0).asText(),
                TestNodeKey.generate(), null));
        assertThat(reused.status()).as("each token once").isIn(409, 410);
    }
}
