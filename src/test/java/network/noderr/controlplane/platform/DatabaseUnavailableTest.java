package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.Map;
import javax.sql.DataSource;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request the database cannot serve in time answers 503 with a problem body and Retry-After, and data it refuses
 * 400 — not an error page or a redirect to the login form. Caused for real: another session holds the shared rate
 * limits' table locked; a NUL character, which PostgreSQL does not store in text.
 */
@IntegrationTest
class DatabaseUnavailableTest {

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Test
    @org.junit.jupiter.api.Timeout(60) // without a statement timeout the request would wait for the lock for ever
    void aPublicRequestWhoseRateLimitCannotBeCountedAnswers503() throws Exception {
        var json = JsonMapper.builder().build();
        var form = json.readValue(json.writeValueAsString(Onboarding.form("Locked Out Ltd", Tier.ALL)), Map.class);
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (var st = holder.createStatement()) {
                st.execute("LOCK TABLE rate_limit_buckets IN ACCESS EXCLUSIVE MODE");
            }
            var response = new ApiClient(port).post("/api/v1/applications", form);
            holder.rollback();

            assertThat(response.status()).isEqualTo(503);
            assertThat(response.headers().entrySet()).anySatisfy(h -> {
                assertThat(h.getKey()).isEqualToIgnoringCase("Retry-After");
                assertThat(h.getValue()).containsExactly("5");
            });
            assertThat(response.problemType()).isEqualTo("unavailable");
        }
        assertThat(new ApiClient(port).post("/api/v1/applications", form).status()).as("once the lock is gone")
                .isEqualTo(201);
    }

    @Test
    void whatTheDatabaseRefusesIsAProblemAnswerNotALoginRedirect() throws Exception {
        var json = JsonMapper.builder().build();
        var form = json.readValue(json.writeValueAsString(Onboarding.form("Nul Byte Ltd", Tier.ALL)), Map.class);
        @SuppressWarnings("unchecked")
        var body = (Map<String, Object>) form;
        body.put("message", "a message with a NUL \u0000 byte");
        var response = new ApiClient(port).post("/api/v1/applications", body);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.problemType()).isEqualTo("invalid-request");
        assertThat(response.text("detail")).contains("cannot be stored");
    }
}
