package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An application's install-token state covers all of its tokens (a batch is issued in one transaction, so its tokens
 * share one creation time), and a reissue revokes exactly the usable tokens the admin confirmed.
 */
@IntegrationTest
class InstallTokenStateTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private String register(String token) {
        var response = api.post("/api/v1/auth/register", Onboarding.registration(token, TestNodeKey.generate(), null));
        assertThat(response.status()).as(response.body().toString()).isEqualTo(201);
        return response.text("nodeId");
    }

    private int usable(UUID id) {
        return jdbc.sql("""
                        SELECT count(*) FROM install_tokens
                        WHERE application_id = :id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()""")
                .param("id", id)
                .query(Integer.class)
                .single();
    }

    @Test
    void stateCountsEveryTokenOfABatchAndReissueRevokesOnlyTheConfirmedUsableOnes() {
        var id = applications.submit(Onboarding.form("Fleet Operator " + System.nanoTime(), Tier.ORACLE), "127.0.0.1");
        var nodeA = register(applications.approve(id, "admin", "http://localhost").installToken());
        var batch = applications.issueTokens(id, 5, "admin");
        var nodeB = register(batch.tokens().get(0));
        var nodeC = register(batch.tokens().get(1));

        var view = applications.get(id);
        assertThat(view.tokensUsed()).isEqualTo(3);
        assertThat(view.tokensActive()).as("three tokens of the batch are still out there").isEqualTo(3);
        assertThat(view.tokensExpired()).isZero();
        assertThat(view.tokensRevoked()).isZero();
        assertThat(view.tokenState()).isEqualTo("ACTIVE");
        assertThat(view.nodeIds()).containsExactlyInAnyOrder(nodeA, nodeB, nodeC);
        assertThat(view.nodeId()).isIn(nodeA, nodeB, nodeC);
        assertThat(view.tokenExpiresAt()).isCloseTo(batch.expiresAt(), within(1, ChronoUnit.MILLIS));

        assertThatThrownBy(() -> applications.reissueToken(id, "admin", "http://localhost", 1))
                .isInstanceOfSatisfying(ProblemException.class,
                        e -> assertThat(e.getMessage()).contains("3 install token(s)"));
        assertThat(usable(id)).as("a refused reissue revokes nothing").isEqualTo(3);

        var reissued = applications.reissueToken(id, "admin", "http://localhost", 3);
        assertThat(usable(id)).as("only the new token works").isEqualTo(1);
        var after = applications.get(id);
        assertThat(after.tokensActive()).isEqualTo(1);
        assertThat(after.tokensRevoked()).isEqualTo(3);
        assertThat(after.tokensUsed()).as("registered nodes are untouched").isEqualTo(3);
        var refused = api.post("/api/v1/auth/register",
                Onboarding.registration(batch.tokens().get(2), TestNodeKey.generate(), null));
        assertThat(refused.problemType()).isEqualTo("install-token-revoked");
        var nodeD = register(reissued.installToken());
        assertThat(applications.get(id).nodeIds()).hasSize(4).contains(nodeD);
    }

    @Test
    void reissueOverTheApiChecksTheExpectedCount() {
        var id = applications.submit(Onboarding.form("Api Reissue " + System.nanoTime(), Tier.GUARDIAN), "127.0.0.1");
        applications.approve(id, "admin", "http://localhost");
        applications.issueTokens(id, 2, "admin");

        var negative = api.post("/api/v1/admin/applications/" + id + "/reissue-token?expectedRevocations=-1", "",
                IntegrationTest.ADMIN_TOKEN);
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.body().path("errors").path("expectedRevocations").asText()).isEqualTo("must be 0 or more");
        var stale = api.post("/api/v1/admin/applications/" + id + "/reissue-token?expectedRevocations=1", "",
                IntegrationTest.ADMIN_TOKEN);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.problemType()).isEqualTo("install-tokens-changed");
        assertThat(usable(id)).isEqualTo(3);

        var details = api.get("/api/v1/admin/applications/" + id, IntegrationTest.ADMIN_TOKEN);
        assertThat(details.body().path("tokensActive").asInt()).isEqualTo(3);
        var reissued = api.post("/api/v1/admin/applications/" + id + "/reissue-token?expectedRevocations=3", "",
                IntegrationTest.ADMIN_TOKEN);
        assertThat(reissued.status()).isEqualTo(200);
        assertThat(usable(id)).isEqualTo(1);
    }

    @Test
    void reissueIsRefusedWhenEveryTokenRegisteredANodeAndAllowedWhenOneExpired() {
        var id = applications.submit(Onboarding.form("All Used " + System.nanoTime(), Tier.ORACLE), "127.0.0.1");
        var approval = applications.approve(id, "admin", "http://localhost");
        var batch = applications.issueTokens(id, 1, "admin");
        register(approval.installToken());
        register(batch.tokens().getFirst());
        var used = applications.get(id);
        assertThat(used.tokenState()).isEqualTo("USED");
        assertThat(used.tokensUsed()).isEqualTo(2);
        assertThatThrownBy(() -> applications.reissueToken(id, "admin", "http://localhost", 0))
                .isInstanceOfSatisfying(ProblemException.class,
                        e -> assertThat(e.getMessage()).contains("Every install token"));

        var more = applications.issueTokens(id, 1, "admin");
        jdbc.sql("UPDATE install_tokens SET expires_at = :past WHERE token_hash = :hash")
                .param("past", Timestamp.from(Instant.now().minusSeconds(1)))
                .param("hash", InstallTokens.hash(more.tokens().getFirst()))
                .update();
        var expired = applications.get(id);
        assertThat(expired.tokenState()).isEqualTo("EXPIRED");
        assertThat(expired.tokensExpired()).isEqualTo(1);
        assertThat(expired.tokensActive()).isZero();
        var fresh = applications.reissueToken(id, "admin", "http://localhost", 0);
        assertThat(applications.get(id).tokensActive()).isEqualTo(1);
        register(fresh.installToken());
    }

    @Test
    void pendingApplicationsComeOldestFirstAndPagesWalkThemAllOnce() {
        var oldest = applications.submit(Onboarding.form("Waiting Longest " + System.nanoTime(), Tier.ORACLE),
                "127.0.0.1");
        jdbc.sql("UPDATE applications SET created_at = '1999-01-01T00:00:00Z' WHERE id = :id")
                .param("id", oldest)
                .update();
        var sameTime = new ArrayList<UUID>();
        for (int i = 0; i < 3; i++) {
            sameTime.add(applications.submit(Onboarding.form("Same Time " + i + " " + System.nanoTime(), Tier.ORACLE),
                    "127.0.0.1"));
        }
        jdbc.sql("UPDATE applications SET created_at = '2001-01-01T00:00:00Z' WHERE id IN (:ids)")
                .param("ids", sameTime)
                .update();

        var first = applications.list(ApplicationStatus.PENDING, null, 2);
        assertThat(first.items().getFirst().id()).as("first come, first served").isEqualTo(oldest);
        assertThat(first.more()).isTrue();

        var seen = new ArrayList<ApplicationView>(first.items());
        var page = first;
        while (page.more()) {
            page = applications.list(ApplicationStatus.PENDING, page.items().getLast().id(), 2);
            assertThat(page.total()).isEqualTo(first.total());
            seen.addAll(page.items());
        }
        var ids = seen.stream().map(ApplicationView::id).toList();
        assertThat(ids).as("each pending application exactly once").doesNotHaveDuplicates().containsAll(sameTime);
        assertThat(ids).hasSize((int) first.total());
        assertThat(seen).extracting(ApplicationView::createdAt).isSortedAccordingTo(Instant::compareTo);

        var all = applications.list(null, null, 5);
        assertThat(all.items()).extracting(ApplicationView::createdAt)
                .isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(all.total()).isGreaterThan(first.total() - 1);
        assertThatThrownBy(() -> applications.list(null, null, Applications.MAX_LIST + 1))
                .hasMessageContaining("limit");
    }

    @Test
    void theListApiReturnsTheTotalAndALinkToTheNextPage() {
        for (int i = 0; i < 3; i++) {
            applications.submit(Onboarding.form("Paged " + i + " " + System.nanoTime(), Tier.GUARDIAN), "127.0.0.1");
        }
        var response = api.get("/api/v1/admin/applications?status=PENDING&limit=2", IntegrationTest.ADMIN_TOKEN);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().isArray()).as("still a JSON array").isTrue();
        assertThat(response.body()).hasSize(2);
        long total = Long.parseLong(header(response, "x-total-count"));
        assertThat(total).isGreaterThanOrEqualTo(3);
        var link = header(response, "link");
        var lastId = response.body().get(1).path("id").asText();
        assertThat(link).contains("after=" + lastId).contains("limit=2").contains("status=PENDING")
                .endsWith("; rel=\"next\"");
        var next = link.substring(link.indexOf("/api/"), link.indexOf('>'));
        var second = api.get(next, IntegrationTest.ADMIN_TOKEN);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.body().get(0).path("id").asText()).isNotIn(response.body().get(0).path("id").asText(),
                lastId);

        var bad = api.get("/api/v1/admin/applications?limit=0", IntegrationTest.ADMIN_TOKEN);
        assertThat(bad.status()).isEqualTo(400);
        var unknown = api.get("/api/v1/admin/applications?after=" + UUID.randomUUID(), IntegrationTest.ADMIN_TOKEN);
        assertThat(unknown.status()).isEqualTo(400);
    }

    private static String header(ApiClient.Response response, String name) {
        List<String> values = response.headers().entrySet().stream()
                .filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                .flatMap(e -> e.getValue().stream())
                .toList();
        assertThat(values).as(name).hasSize(1);
        return values.getFirst();
    }
}
