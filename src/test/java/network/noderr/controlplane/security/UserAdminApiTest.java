package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;

/** {@code /api/v1/admin/users} over real HTTP: what an admin may do to users, the guard rails and the refusals. */
@IntegrationTest
class UserAdminApiTest {

    private static final String ADMIN = IntegrationTest.ADMIN_TOKEN;
    private static final String USERS = "/api/v1/admin/users";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    @Autowired
    UserRepository repository;

    @Autowired
    PasswordEncoder encoder;

    @Autowired
    JdbcClient jdbc;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private ApiClient.Response create(String username, Role role) {
        return api.post(USERS, Map.of("username", username, "password", username + "-password", "role", role.name()),
                ADMIN);
    }

    @Test
    void anAdminCreatesListsAndReadsUsers() {
        var name = unique("created");
        var created = create(name, Role.RELEASE_MANAGER);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("username")).isEqualTo(name);
        assertThat(created.text("role")).isEqualTo("RELEASE_MANAGER");
        assertThat(created.body().path("enabled").asBoolean()).isTrue();
        assertThat(created.body().toString()).doesNotContain("password");

        var id = created.text("id");
        assertThat(api.get(USERS + "/" + id, ADMIN).text("username")).isEqualTo(name);
        var list = api.get(USERS, ADMIN);
        assertThat(list.status()).isEqualTo(200);
        assertThat(StreamSupport.stream(list.body().spliterator(), false).map(u -> u.path("username").asString()))
                .contains(name, "admin");
        assertThat(list.body().toString()).doesNotContain("$2a$").doesNotContain("passwordHash");

        assertThat(encoder.matches(name + "-password", repository.findByUsername(name).orElseThrow().passwordHash()))
                .as("the password works").isTrue();
    }

    @Test
    void creatingRefusesTakenNamesAndInvalidFields() {
        var name = unique("taken");
        assertThat(create(name, Role.VIEWER).status()).isEqualTo(201);
        var again = create(name.toUpperCase(), Role.VIEWER);
        assertThat(again.status()).as("names are case-insensitive").isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("user-exists");
        assertThat(again.text("detail")).contains("already exists");

        var invalid = api.post(USERS, Map.of("username", "has space", "password", "short"), ADMIN);
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.problemType()).isEqualTo("invalid-request");
        assertThat(invalid.body().path("errors").has("username")).isTrue();
        assertThat(invalid.body().path("errors").path("password").asString()).contains("12 to 200");
        assertThat(invalid.body().path("errors").has("role")).isTrue();

        var badRole = api.post(USERS, Map.of("username", unique("x"), "password", "long-enough-password",
                "role", "SUPERUSER"), ADMIN);
        assertThat(badRole.status()).isEqualTo(400);
        assertThat(users.findByUsername("has space")).isEmpty();
    }

    @Test
    void unknownUsersAre404() {
        var unknown = USERS + "/" + UUID.randomUUID();
        for (var response : List.of(api.get(unknown, ADMIN), api.put(unknown + "/role", Map.of("role", "VIEWER"),
                ADMIN), api.post(unknown + "/disable", Map.of(), ADMIN), api.post(unknown + "/password", Map.of(),
                ADMIN), api.get(unknown + "/api-tokens", ADMIN))) {
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.problemType()).isEqualTo("user-unknown");
        }
    }

    @Test
    void aRoleChangeAppliesToTheUsersExistingTokens() {
        var name = unique("promoted");
        var token = TestUsers.token(users, tokens, name, Role.VIEWER);
        var id = users.findByUsername(name).orElseThrow().id();
        assertThat(api.get(USERS, token).status()).as("a viewer may not list users").isEqualTo(403);

        var promoted = api.put(USERS + "/" + id + "/role", Map.of("role", "ADMIN"), ADMIN);
        assertThat(promoted.status()).isEqualTo(200);
        assertThat(promoted.text("role")).isEqualTo("ADMIN");
        assertThat(api.get(USERS, token).status()).as("the same token, now an admin's").isEqualTo(200);

        assertThat(api.put(USERS + "/" + id + "/role", Map.of("role", "VIEWER"), ADMIN).text("role"))
                .isEqualTo("VIEWER");
        assertThat(api.get(USERS, token).status()).isEqualTo(403);
        assertThat(api.put(USERS + "/" + id + "/role", Map.of(), ADMIN).status()).as("role missing").isEqualTo(400);
    }

    @Test
    void aDisabledUsersTokensAreRefusedUntilEnabledAgain() {
        var name = unique("disabled");
        var token = TestUsers.token(users, tokens, name, Role.RELEASE_MANAGER);
        var id = users.findByUsername(name).orElseThrow().id();
        assertThat(api.get("/api/v1/admin/nodes?size=1", token).status()).isEqualTo(200);

        var disabled = api.post(USERS + "/" + id + "/disable", Map.of(), ADMIN);
        assertThat(disabled.status()).isEqualTo(200);
        assertThat(disabled.body().path("enabled").asBoolean()).isFalse();
        var refused = api.get("/api/v1/admin/nodes?size=1", token);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.problemType()).isEqualTo("unauthorized");

        assertThat(api.post(USERS + "/" + id + "/enable", Map.of(), ADMIN).body().path("enabled").asBoolean())
                .isTrue();
        assertThat(api.get("/api/v1/admin/nodes?size=1", token).status()).isEqualTo(200);
    }

    @Test
    void anAdminCannotDemoteOrDisableThemself() {
        var self = users.findByUsername("admin").orElseThrow().id();
        var demote = api.put(USERS + "/" + self + "/role", Map.of("role", "VIEWER"), ADMIN);
        assertThat(demote.status()).isEqualTo(409);
        assertThat(demote.problemType()).isEqualTo("own-account");
        assertThat(demote.text("detail")).contains("your own account");
        var disable = api.post(USERS + "/" + self + "/disable", Map.of(), ADMIN);
        assertThat(disable.status()).isEqualTo(409);
        assertThat(disable.problemType()).isEqualTo("own-account");

        var admin = users.findByUsername("admin").orElseThrow();
        assertThat(admin.role()).isEqualTo(Role.ADMIN);
        assertThat(admin.enabled()).isTrue();
        assertThat(api.put(USERS + "/" + self + "/role", Map.of("role", "ADMIN"), ADMIN).status())
                .as("keeping one's own role is no change").isEqualTo(200);
    }

    @Test
    void anAdminCannotResetTheirOwnPassword() {
        var self = users.findByUsername("admin").orElseThrow().id();
        var before = hash("admin");
        for (var body : List.<Map<String, String>>of(Map.of(), Map.of("password", "chosen-by-the-admin"))) {
            var reset = api.post(USERS + "/" + self + "/password", body, ADMIN);
            assertThat(reset.status()).isEqualTo(409);
            assertThat(reset.problemType()).isEqualTo("own-account");
            assertThat(reset.text("detail")).contains("use My account to change your own password");
        }
        assertThat(hash("admin")).as("unchanged").isEqualTo(before);
    }

    @Test
    void anAdminDemotesAndDisablesAnotherAdmin() {
        var other = create(unique("other-admin"), Role.ADMIN).text("id");
        assertThat(api.post(USERS + "/" + other + "/disable", Map.of(), ADMIN).status()).isEqualTo(200);
        assertThat(api.put(USERS + "/" + other + "/role", Map.of("role", "RELEASE_MANAGER"), ADMIN).text("role"))
                .isEqualTo("RELEASE_MANAGER");
    }

    @Test
    void anAdminSetsOrGeneratesAPassword() {
        var name = unique("reset");
        var id = create(name, Role.VIEWER).text("id");

        var set = api.post(USERS + "/" + id + "/password", Map.of("password", "chosen-by-the-admin"), ADMIN);
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.text("username")).isEqualTo(name);
        assertThat(set.body().path("generatedPassword").isNull()).as("nothing to show").isTrue();
        assertThat(encoder.matches("chosen-by-the-admin", hash(name))).isTrue();

        var generated = api.post(USERS + "/" + id + "/password", Map.of(), ADMIN);
        assertThat(generated.status()).isEqualTo(200);
        var password = generated.text("generatedPassword");
        assertThat(password).hasSizeGreaterThanOrEqualTo(UserAccounts.MIN_PASSWORD_LENGTH);
        assertThat(encoder.matches(password, hash(name))).isTrue();
        assertThat(encoder.matches("chosen-by-the-admin", hash(name))).isFalse();

        var tooShort = api.post(USERS + "/" + id + "/password", Map.of("password", "short"), ADMIN);
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.body().path("errors").has("password")).isTrue();
        assertThat(encoder.matches(password, hash(name))).as("unchanged").isTrue();

        var audited = jdbc.sql("SELECT detail FROM audit_log WHERE action = 'POST /api/v1/admin/users/{id}/password' "
                        + "AND target = :id AND outcome = 'success' ORDER BY at")
                .param("id", id)
                .query(String.class)
                .list();
        assertThat(audited).hasSize(2);
        assertThat(String.join(" ", audited)).doesNotContain("chosen-by-the-admin").contains("password=(hidden)");
    }

    @Test
    void anAdminListsAndRevokesAUsersTokens() {
        var name = unique("tokens");
        var token = TestUsers.token(users, tokens, name, Role.VIEWER);
        var user = users.findByUsername(name).orElseThrow();

        var list = api.get(USERS + "/" + user.id() + "/api-tokens", ADMIN);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).hasSize(1);
        assertThat(list.body().toString()).doesNotContain(token);
        var tokenId = list.body().get(0).path("id").asString();

        var otherUser = create(unique("not-the-owner"), Role.VIEWER).text("id");
        var wrongOwner = api.delete(USERS + "/" + otherUser + "/api-tokens/" + tokenId, ADMIN);
        assertThat(wrongOwner.status()).isEqualTo(404);
        assertThat(wrongOwner.problemType()).isEqualTo("token-unknown");
        assertThat(api.get("/api/v1/admin/nodes?size=1", token).status()).isEqualTo(200);

        assertThat(api.delete(USERS + "/" + user.id() + "/api-tokens/" + tokenId, ADMIN).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/admin/nodes?size=1", token).status()).as("revoked").isEqualTo(401);
        assertThat(api.get(USERS + "/" + user.id() + "/api-tokens", ADMIN).body().get(0).path("revokedAt").asString())
                .isNotBlank();
        assertThat(api.delete(USERS + "/" + user.id() + "/api-tokens/" + tokenId, ADMIN).status()).isEqualTo(404);
    }

    @Test
    void viewersAndReleaseManagersAreRefusedEveryUserOperation() {
        var target = create(unique("target"), Role.VIEWER).text("id");
        var targetToken = tokens.issue(UUID.fromString(target), "target").id();
        for (var role : List.of(Role.VIEWER, Role.RELEASE_MANAGER)) {
            var token = TestUsers.token(users, tokens, unique("refused-" + role.name().toLowerCase()), role);
            var responses = List.of(
                    api.get(USERS, token),
                    api.get(USERS + "/" + target, token),
                    api.post(USERS, Map.of("username", unique("sneaky"), "password", "long-enough-password",
                            "role", "ADMIN"), token),
                    api.put(USERS + "/" + target + "/role", Map.of("role", "ADMIN"), token),
                    api.post(USERS + "/" + target + "/disable", Map.of(), token),
                    api.post(USERS + "/" + target + "/enable", Map.of(), token),
                    api.post(USERS + "/" + target + "/password", Map.of("password", "taken-over-password"), token),
                    api.get(USERS + "/" + target + "/api-tokens", token),
                    api.delete(USERS + "/" + target + "/api-tokens/" + targetToken, token));
            for (var response : responses) {
                assertThat(response.status()).as("%s", role).isEqualTo(403);
                assertThat(response.problemType()).isEqualTo("forbidden");
            }
        }
        var unchanged = users.findById(UUID.fromString(target)).orElseThrow();
        assertThat(unchanged.role()).isEqualTo(Role.VIEWER);
        assertThat(unchanged.enabled()).isTrue();
        assertThat(encoder.matches("taken-over-password", hash(unchanged.username()))).isFalse();
        assertThat(tokens.list(unchanged.id()).getFirst().revokedAt()).isNull();
        assertThat(users.list()).noneMatch(u -> u.username().startsWith("sneaky"));
    }

    @Test
    void anonymousCallersGet401() {
        assertThat(api.get(USERS, null).status()).isEqualTo(401);
        assertThat(api.post(USERS, Map.of(), null).status()).isEqualTo(401);
    }

    private String hash(String username) {
        return repository.findByUsername(username).orElseThrow().passwordHash();
    }
}
