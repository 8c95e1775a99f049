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
    LoginThrottle throttle;

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

    /**
     * A user holds a bounded number of usable tokens: creating more is refused (409) until one is revoked, so one
     * account, or one leaked token of it, cannot add rows without bound. The list stays bounded too.
     */
    @Test
    void aUserHoldsABoundedNumberOfUsableTokens() {
        var api = new ApiClient(port);
        var mine = viewerToken("tokens-many-" + UUID.randomUUID().toString().substring(0, 6));
        String last = null;
        for (int i = 1; i < ApiTokens.MAX_USABLE_PER_USER; i++) { // the token above is the first
            var created = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "t" + i), mine);
            assertThat(created.status()).as("token %d", i + 1).isEqualTo(201);
            last = created.text("id");
        }
        var refused = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "one too many"), mine);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("type")).endsWith("too-many-tokens");

        assertThat(api.delete("/api/v1/admin/me/api-tokens/" + last, mine).status()).isEqualTo(204);
        assertThat(api.post("/api/v1/admin/me/api-tokens", Map.of("name", "after a revocation"), mine).status())
                .isEqualTo(201);
        assertThat(api.get("/api/v1/admin/me/api-tokens", mine).body().size())
                .isEqualTo(ApiTokens.MAX_USABLE_PER_USER + 1).isLessThanOrEqualTo(ApiTokens.MAX_LISTED);
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

    /**
     * Wrong current passwords count as failed logins of the user (the suite's limit: 4 per username): a session in
     * the wrong hands cannot guess the password without limit. Then even the right one is refused for a while, and
     * so is the user's login.
     */
    @Test
    void wrongCurrentPasswordsAreLimitedLikeFailedLogins() throws Exception {
        var name = "password-guess-" + UUID.randomUUID().toString().substring(0, 6);
        users.create(name, "first-password-123", Role.VIEWER);
        SecurityContextHolder.getContext().setAuthentication(
                UsernamePasswordAuthenticationToken.authenticated(name, null, java.util.List.of()));
        for (int i = 0; i < 4; i++) {
            var guess = "guess-password-" + i;
            assertThatThrownBy(() -> account.changePassword(guess, "second-password-456"))
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("current password is not right");
        }
        assertThatThrownBy(() -> account.changePassword("first-password-123", "second-password-456"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageMatching(".*Too many wrong passwords: try again in \\d+ minutes?\\. Nothing changed\\.");
        assertThat(throttle.refusal("127.0.0.71", name)).as("the login is refused as well, from any address")
                .isPresent();
        assertThat(encoder.matches("first-password-123", repository.findByUsername(name).orElseThrow()
                .passwordHash())).as("nothing changed").isTrue();
    }

    private static java.time.Instant expiryOf(ApiClient api, String callerToken, String id) {
        var list = api.get("/api/v1/admin/me/api-tokens", callerToken).body();
        var entry = java.util.stream.StreamSupport.stream(list.spliterator(), false)
                .filter(t -> t.path("id").asText().equals(id)).findFirst().orElseThrow();
        return entry.path("expiresAt").isNull() || entry.path("expiresAt").isMissingNode()
                ? null
                : java.time.Instant.parse(entry.path("expiresAt").asText());
    }

    @Test
    void aTokenCreatedWithAnExpiringApiTokenNeverOutlivesIt() {
        var api = new ApiClient(port);
        var user = users.findByUsername("tokens-capped")
                .orElseGet(() -> users.create("tokens-capped", "tokens-capped-password", Role.VIEWER));
        var callerExpiry = java.time.Instant.now().plus(java.time.Duration.ofDays(2))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        var caller = apiTokens.issue(user.id(), "short-lived", callerExpiry).token();

        var never = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "asked-never"), caller);
        assertThat(never.status()).isEqualTo(201);
        assertThat(expiryOf(api, caller, never.text("id"))).as("never is capped at the caller's expiry")
                .isEqualTo(callerExpiry);

        var longer = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "asked-year", "expiresInDays", 365), caller);
        assertThat(longer.status()).isEqualTo(201);
        assertThat(expiryOf(api, caller, longer.text("id"))).isEqualTo(callerExpiry);
        // The answer says so itself: a year was asked for, the token lives two days.
        assertThat(java.time.Instant.parse(longer.text("expiresAt"))).isEqualTo(callerExpiry);

        var shorter = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "asked-day", "expiresInDays", 1), caller);
        assertThat(shorter.status()).isEqualTo(201);
        assertThat(expiryOf(api, caller, shorter.text("id"))).as("a shorter lifetime is kept")
                .isBefore(callerExpiry).isAfter(java.time.Instant.now());
    }

    @Test
    void aTokenCreatedWithANeverExpiringApiTokenOrFromTheDashboardExpiresAsAsked() {
        var api = new ApiClient(port);
        var caller = viewerToken("tokens-uncapped");
        var never = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "asked-never"), caller);
        assertThat(never.status()).isEqualTo(201);
        assertThat(expiryOf(api, caller, never.text("id"))).isNull();

        SecurityContextHolder.getContext().setAuthentication(
                UsernamePasswordAuthenticationToken.authenticated("tokens-uncapped", null, java.util.List.of()));
        var fromDashboard = account.createToken("dashboard-never", null);
        assertThat(expiryOf(api, caller, fromDashboard.id().toString())).isNull();
    }

    @Test
    void revokingATokenRevokesTheTokensCreatedWithItAndTheirs() {
        var api = new ApiClient(port);
        var user = users.findByUsername("tokens-chain")
                .orElseGet(() -> users.create("tokens-chain", "tokens-chain-password", Role.VIEWER));
        var root = apiTokens.issue(user.id(), "root", null);
        var child = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "child"), root.token());
        assertThat(child.status()).isEqualTo(201);
        var grandchild = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "grandchild"), child.text("token"));
        assertThat(grandchild.status()).isEqualTo(201);
        var sibling = apiTokens.issue(user.id(), "sibling", null);

        assertThat(api.delete("/api/v1/admin/me/api-tokens/" + child.text("id"), sibling.token()).status())
                .isEqualTo(204);
        assertThat(api.get("/api/v1/admin/nodes?size=1", child.text("token")).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/nodes?size=1", grandchild.text("token")).status())
                .as("created with the revoked token").isEqualTo(401);
        assertThat(api.get("/api/v1/admin/nodes?size=1", root.token()).status())
                .as("the token the revoked one was created with stays").isEqualTo(200);

        var second = api.post("/api/v1/admin/me/api-tokens", Map.of("name", "second-child"), root.token());
        assertThat(second.status()).isEqualTo(201);
        assertThat(apiTokens.revoke(user.id(), root.id())).isTrue();
        assertThat(api.get("/api/v1/admin/nodes?size=1", second.text("token")).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/nodes?size=1", sibling.token()).status())
                .as("a token not created with it stays").isEqualTo(200);
    }
}
