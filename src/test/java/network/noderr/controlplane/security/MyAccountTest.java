package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.crypto.password.PasswordEncoder;

/** Every user's own API tokens (shown once, listed without the secret, revocable) and password change. */
@IntegrationTest
class MyAccountTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    @Autowired
    MyAccount account;

    @Autowired
    PasswordEncoder encoder;

    @Autowired
    UserRepository repository;

    @AfterEach
    void clear() {
        SecurityContextHolder.clearContext();
    }

    private String viewerToken(String name) {
        return network.noderr.controlplane.TestUsers.token(users, apiTokens, name, Role.VIEWER);
    }

    @Test
    void aViewerCreatesUsesListsAndRevokesItsOwnTokens() {
        var api = new ApiClient(port);
        var mine = viewerToken("tokens-viewer");
        var created = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "prometheus", "expiresInDays", 90), mine);
        assertThat(created.status()).isEqualTo(201);
        var token = created.text("token");
        assertThat(token).startsWith("ndr_");
        assertThat(api.get("/api/v1/admin/nodes?size=1", token).status()).as("the new token works").isEqualTo(200);

        var list = api.get("/api/v1/admin/me/api-tokens", token).body();
        assertThat(list.toString()).contains("prometheus").doesNotContain(token);
        var entry = java.util.stream.StreamSupport.stream(list.spliterator(), false)
                .filter(t -> t.path("name").asText().equals("prometheus")).findFirst().orElseThrow();
        assertThat(entry.path("expiresAt").asText()).isNotBlank();

        var other = viewerToken("tokens-other");
        assertThat(api.delete("/api/v1/admin/me/api-tokens/" + created.text("id"), other).status())
                .as("not someone else's token").isEqualTo(404);
        assertThat(api.delete("/api/v1/admin/me/api-tokens/" + created.text("id"), mine).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/admin/nodes?size=1", token).status()).as("revoked").isEqualTo(401);
        assertThat(api.delete("/api/v1/admin/me/api-tokens/" + created.text("id"), mine).status()).isEqualTo(404);

        assertThat(api.post("/api/v1/admin/me/api-tokens", Map.of("name", ""), mine).status()).isEqualTo(400);
        assertThat(api.post("/api/v1/admin/me/api-tokens", Map.of("name", "x", "expiresInDays", 0), mine).status())
                .isEqualTo(400);
    }

    @Test
    void aUserChangesTheirPasswordOnlyWithTheCurrentOne() {
        var name = "password-user-" + UUID.randomUUID().toString().substring(0, 6);
        users.create(name, "first-password-123", Role.VIEWER);
        SecurityContextHolder.getContext().setAuthentication(
                UsernamePasswordAuthenticationToken.authenticated(name, null, java.util.List.of()));

        assertThatThrownBy(() -> account.changePassword("wrong-password-123", "second-password-456"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("current password is not right");
        assertThatThrownBy(() -> account.changePassword("first-password-123", "short"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("at least 12");
        assertThatThrownBy(() -> account.changePassword("first-password-123", "first-password-123"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("is the current one");
        assertThat(encoder.matches("first-password-123", repository.findByUsername(name).orElseThrow()
                .passwordHash())).as("nothing changed").isTrue();

        account.changePassword("first-password-123", "second-password-456");
        var hash = repository.findByUsername(name).orElseThrow().passwordHash();
        assertThat(encoder.matches("second-password-456", hash)).isTrue();
        assertThat(encoder.matches("first-password-123", hash)).isFalse();
    }
}
