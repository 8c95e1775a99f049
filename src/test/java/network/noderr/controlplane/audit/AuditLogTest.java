package network.noderr.controlplane.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

/** Management API actions land in the append-only audit log; it is filterable and exportable as CSV. */
@IntegrationTest
class AuditLogTest {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private String apply(ApiClient api) {
        return api.post("/api/v1/applications", Map.of("operatorName", "Audit Operator", "email", "audit@example.org",
                "walletAddress", "0x" + "ab".repeat(20), "requestedTier", "ORACLE", "hardware", Map.of("cpuCores", 16,
                        "memoryGb", 64, "diskGb", 2000, "networkMbps", 1000, "gpu", false))).text("applicationId");
    }

    @Autowired
    network.noderr.controlplane.security.UserAccounts users;

    @Autowired
    network.noderr.controlplane.security.ApiTokens apiTokens;

    /** A loopback address of its own (127.x.y.z), so no other test's refusals share its per-source minute. */
    private static java.net.InetAddress freshSource() throws Exception {
        var r = java.util.concurrent.ThreadLocalRandom.current();
        return java.net.InetAddress.getByAddress(
                new byte[] {127, (byte) r.nextInt(1, 255), (byte) r.nextInt(1, 255), (byte) r.nextInt(2, 255)});
    }

    @Test
    void changesTurnedAwayBySecurityAreRecordedAsRefusedWithWhoAndWhere() throws Exception {
        var source = freshSource();
        var api = new ApiClient(port, source);
        var marker = java.util.UUID.randomUUID().toString();
        assertThat(api.post("/api/v1/admin/applications/" + marker + "/approve", Map.of()).status()).isEqualTo(401);
        var viewer = network.noderr.controlplane.TestUsers.token(users, apiTokens, "audit-viewer",
                network.noderr.controlplane.security.Role.VIEWER);
        assertThat(api.post("/api/v1/admin/applications/" + marker + "/reject", Map.of("reason", "not mine"), viewer)
                .status()).isEqualTo(403);
        // Reads refused are not actions.
        assertThat(api.get("/api/v1/admin/applications/" + marker, "ndr_not_a_real_token").status()).isEqualTo(401);

        var entries = api.get("/api/v1/admin/audit?action=" + marker, IntegrationTest.ADMIN_TOKEN).body();
        assertThat(entries).hasSize(2);
        assertThat(entries).allSatisfy(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("refused");
            assertThat(e.path("sourceAddress").asText()).isEqualTo(source.getHostAddress());
        });
        var byActor = new java.util.ArrayList<String>();
        entries.forEach(e -> byActor.add(e.path("actor").asText() + " " + e.path("status").asInt() + " "
                + e.path("action").asText().replace(marker, "{id}")));
        assertThat(byActor).containsExactlyInAnyOrder(
                "audit-viewer 403 POST /api/v1/admin/applications/{id}/reject",
                "anonymous 401 POST /api/v1/admin/applications/{id}/approve");
    }

    @Test
    void aFloodOfRefusalsWritesOneEntryPerAnonymousSourceAndABoundedNumberPerUserEachMinute() throws Exception {
        var source = freshSource();
        var api = new ApiClient(port, source);
        var viewer = network.noderr.controlplane.TestUsers.token(users, apiTokens, "flood-viewer",
                network.noderr.controlplane.security.Role.VIEWER);
        for (int i = 0; i < 1000; i++) {
            var token = i % 2 == 0 ? null : "ndr_not_a_real_token_" + i;
            // Unknown tokens beyond the source's budget are refused with 429 before any lookup, and not audited.
            assertThat(api.post("/api/v1/admin/flood-" + i, Map.of(), token).status())
                    .isIn(token == null ? List.of(401) : List.of(401, 429));
        }
        // The user's refusals come from another source: the one above is refused any token by now.
        var userSource = freshSource();
        var userApi = new ApiClient(port, userSource);
        int perMinute = network.noderr.controlplane.security.ProblemResponsesAccess.userRefusalsPerMinute();
        for (int i = 0; i < perMinute + 50; i++) {
            assertThat(userApi.post("/api/v1/admin/nodes/flood-" + i + "/suspend", Map.of(), viewer).status())
                    .isEqualTo(403);
        }

        var fromSource = jdbc.sql("""
                        SELECT actor, action FROM audit_log WHERE source_address IN (:source, :userSource)
                        ORDER BY id""")
                .param("source", source.getHostAddress())
                .param("userSource", userSource.getHostAddress())
                .query((rs, n) -> rs.getString("actor") + " " + rs.getString("action"))
                .list();
        assertThat(fromSource).filteredOn(e -> e.startsWith("anonymous "))
                .containsExactly("anonymous POST /api/v1/admin/flood-0");
        var expected = java.util.stream.IntStream.range(0, perMinute)
                .mapToObj(i -> "flood-viewer POST /api/v1/admin/nodes/flood-" + i + "/suspend")
                .toList();
        assertThat(fromSource).filteredOn(e -> e.startsWith("flood-viewer "))
                .as("the user's first refusals of the minute one by one (and once each, not also as 'failed'), the "
                        + "rest only counted")
                .containsExactlyElementsOf(expected);
    }

    @Test
    void adminActionsAreRecordedWithWhoWhatTargetOutcomeAndWhere() {
        var api = new ApiClient(port);
        var id = apply(api);
        assertThat(api.post("/api/v1/admin/applications/" + id + "/approve", Map.of(), IntegrationTest.ADMIN_TOKEN)
                .status()).isEqualTo(200);
        var twice = api.post("/api/v1/admin/applications/" + id + "/reject",
                Map.of("reason", "changed my mind", "password", "hunter2-hunter2"), IntegrationTest.ADMIN_TOKEN);
        assertThat(twice.status()).isEqualTo(409);

        var entries = api.get("/api/v1/admin/audit?target=" + id, IntegrationTest.ADMIN_TOKEN).body();
        assertThat(entries).hasSize(2);
        var refused = entries.get(0);
        assertThat(refused.path("action").asText()).isEqualTo("POST /api/v1/admin/applications/{id}/reject");
        assertThat(refused.path("outcome").asText()).isEqualTo("refused");
        assertThat(refused.path("status").asInt()).isEqualTo(409);
        assertThat(refused.path("detail").asText()).contains("reason=changed my mind")
                .contains("password=(hidden)").doesNotContain("hunter2");
        var approved = entries.get(1);
        assertThat(approved.path("actor").asText()).isEqualTo("admin");
        assertThat(approved.path("actorKind").asText()).isEqualTo("user");
        assertThat(approved.path("action").asText()).isEqualTo("POST /api/v1/admin/applications/{id}/approve");
        assertThat(approved.path("target").asText()).isEqualTo(id);
        assertThat(approved.path("outcome").asText()).isEqualTo("success");
        assertThat(approved.path("sourceAddress").asText()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(approved.path("at").asText()).isNotBlank();

        // Reads are not actions; filters narrow the list.
        api.get("/api/v1/admin/applications/" + id, IntegrationTest.ADMIN_TOKEN);
        assertThat(api.get("/api/v1/admin/audit?target=" + id + "&outcome=success", IntegrationTest.ADMIN_TOKEN)
                .body()).hasSize(1);
        assertThat(api.get("/api/v1/admin/audit?target=" + id + "&action=approve", IntegrationTest.ADMIN_TOKEN)
                .body()).hasSize(1);
        assertThat(api.get("/api/v1/admin/audit?outcome=maybe", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(400);
        var now = java.time.Instant.now();
        assertThat(api.get("/api/v1/admin/audit?target=" + id + "&from=" + now.minusSeconds(300) + "&to="
                + now.plusSeconds(60), IntegrationTest.ADMIN_TOKEN).body()).hasSize(2);
        assertThat(api.get("/api/v1/admin/audit?target=" + id + "&from=" + now.plusSeconds(60),
                IntegrationTest.ADMIN_TOKEN).body()).isEmpty();
        assertThat(api.get("/api/v1/admin/audit?from=yesterday", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(400);
    }

    /**
     * The path the server acts on decides what is audited: one with a letter percent-encoded is the same action. A
     * field the database cannot store as sent (NUL) is recorded escaped, and the action's answer stands.
     */
    @Test
    void anEncodedPathAndAFieldWithNulAreAuditedAsAnyOther() throws Exception {
        var api = new ApiClient(port);
        var approved = apply(api);
        assertThat(api.post("/%61pi/v1/admin/applications/" + approved + "/approve", Map.of(),
                IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(200);
        var entries = api.get("/api/v1/admin/audit?target=" + approved, IntegrationTest.ADMIN_TOKEN).body();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).path("action").asText()).isEqualTo("POST /api/v1/admin/applications/{id}/approve");
        assertThat(entries.get(0).path("outcome").asText()).isEqualTo("success");

        var rejected = apply(api);
        var reject = api.post("/api/v1/admin/applications/" + rejected + "/reject",
                Map.of("reason", "not now", "note", "a\u0000b"), IntegrationTest.ADMIN_TOKEN);
        assertThat(reject.status()).isEqualTo(200);
        entries = api.get("/api/v1/admin/audit?target=" + rejected, IntegrationTest.ADMIN_TOKEN).body();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).path("detail").asText()).contains("reason=not now").contains("note=a\\u0000b");

        // Refused by security on an encoded path: recorded as refused, like the plain path.
        var source = freshSource();
        var marker = java.util.UUID.randomUUID().toString();
        assertThat(new ApiClient(port, source).post("/api/v1/%61dmin/applications/" + marker + "/approve", Map.of())
                .status()).isEqualTo(401);
        entries = api.get("/api/v1/admin/audit?action=" + marker, IntegrationTest.ADMIN_TOKEN).body();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).path("action").asText())
                .isEqualTo("POST /api/v1/admin/applications/" + marker + "/approve");
    }

    @Test
    void exportsCsvThatSpreadsheetsCannotExecute() {
        var api = new ApiClient(port);
        var id = apply(api);
        api.post("/api/v1/admin/applications/" + id + "/reject", Map.of("reason", "=HYPERLINK(\"x\"), no"),
                IntegrationTest.ADMIN_TOKEN);
        var csv = RestClient.create("http://localhost:" + port).get().uri("/api/v1/admin/audit.csv?target=" + id)
                .headers(h -> h.setBearerAuth(IntegrationTest.ADMIN_TOKEN))
                .exchange((req, res) -> res.getHeaders().getContentType() + "\n"
                        + res.getHeaders().getFirst("Content-Disposition") + "\n"
                        + new String(res.getBody().readAllBytes()));
        var lines = csv.split("\n");
        assertThat(lines[0]).startsWith("text/csv");
        assertThat(lines[1]).contains("noderr-audit.csv");
        assertThat(lines[2]).isEqualTo("id,at,actor,actor_kind,action,target,outcome,status,source_address,detail\r");
        assertThat(lines[3]).contains(",admin,user,POST /api/v1/admin/applications/{id}/reject," + id + ",success,200,")
                .endsWith(",\"{reason==HYPERLINK(\"\"x\"\"), no}\"\r");
        assertThat(AuditLog.cell("=1+1")).isEqualTo("'=1+1");
        assertThat(AuditLog.cell("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(AuditLog.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(AuditLog.cell("\t=1+1")).as("a leading tab").isEqualTo("'\t=1+1");
        assertThat(AuditLog.cell("\r=1+1")).as("a leading CR, quoted too").isEqualTo("\"'\r=1+1\"");
    }

    @Test
    void theDatabaseRefusesToChangeOrRemoveEntries() {
        var api = new ApiClient(port);
        var id = apply(api);
        api.post("/api/v1/admin/applications/" + id + "/approve", Map.of(), IntegrationTest.ADMIN_TOKEN);
        assertThatThrownBy(() -> jdbc.sql("UPDATE audit_log SET actor = 'someone-else' WHERE target = :id")
                .param("id", id).update()).hasMessageContaining("append-only");
        assertThatThrownBy(() -> jdbc.sql("DELETE FROM audit_log WHERE target = :id").param("id", id).update())
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> jdbc.sql("TRUNCATE audit_log").update()).hasMessageContaining("append-only");
        assertThat(jdbc.sql("SELECT actor FROM audit_log WHERE target = :id").param("id", id).query(String.class)
                .single()).isEqualTo("admin");
    }

    @Autowired
    AuditLog log;

    @Test
    void findsTheActorIgnoringCasePagesByIdAndLimitsToATimeRange() {
        var actor = "Pager-" + java.util.UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        var base = java.time.Instant.parse("2021-03-01T00:00:00Z");
        // 30 entries one minute apart: at base + 0 min (oldest, lowest id) to base + 29 min.
        jdbc.sql("""
                INSERT INTO audit_log (at, actor, actor_kind, action, target, outcome)
                SELECT CAST(:base AS TIMESTAMPTZ) + g * interval '1 minute', :actor, 'user', 'paging test',
                       'entry-' || g, 'success'
                FROM generate_series(0, 29) g ORDER BY g""")
                .param("base", java.sql.Timestamp.from(base)).param("actor", actor).update();

        var all = log.find(new AuditLog.Query(actor.toLowerCase(), null, null, null, null, null, null, 100));
        assertThat(all).hasSize(30).allSatisfy(e -> assertThat(e.actor()).isEqualTo(actor));
        assertThat(all.getFirst().target()).isEqualTo("entry-29");

        var first = log.find(new AuditLog.Query(actor.toLowerCase(), null, null, null, null, null, null, 20));
        var older = log.find(new AuditLog.Query(actor.toUpperCase(), null, null, null, null, null,
                first.getLast().id(), 20));
        assertThat(first).hasSize(20);
        assertThat(older).extracting(AuditEntry::target)
                .containsExactlyElementsOf(java.util.stream.IntStream.iterate(9, g -> g >= 0, g -> g - 1)
                        .mapToObj(g -> "entry-" + g).toList());

        var window = log.find(new AuditLog.Query(actor, null, null, null, base.plusSeconds(600),
                base.plusSeconds(1200), null, 100));
        assertThat(window).extracting(AuditEntry::target).first().isEqualTo("entry-19");
        assertThat(window).hasSize(10).last().extracting(AuditEntry::target).isEqualTo("entry-10");

        assertThatThrownBy(() -> log.find(new AuditLog.Query(actor, null, null, null, base, base, null, 10)))
                .isInstanceOf(network.noderr.controlplane.shared.InvalidRequestException.class);
    }

    @Test
    void theActionFilterMatchesTheLabelTheDashboardShowsAndTheRecordedName() {
        var actor = "Labels-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        for (var action : java.util.List.of("ReleasesService.emergencyRollback", "MyAccountService.changePassword",
                "POST /api/v1/admin/nodes/{nodeId}/suspend")) {
            log.append(actor, "user", action, null, "success", 200, "127.0.0.1", null);
        }
        java.util.function.Function<String, java.util.List<String>> matching = filter -> log
                .find(new AuditLog.Query(actor, filter, null, null, null, null, null, 100)).stream()
                .map(AuditEntry::action).toList();

        assertThat(log.find(new AuditLog.Query(actor, null, null, null, null, null, null, 100)))
                .extracting(AuditEntry::label).containsExactly("POST /api/v1/admin/nodes/{nodeId}/suspend",
                        "My Account: change password", "Releases: emergency rollback");
        // What the admin reads, in any case...
        assertThat(matching.apply("Releases: emergency rollback")).containsExactly("ReleasesService.emergencyRollback");
        assertThat(matching.apply("EMERGENCY ROLL")).containsExactly("ReleasesService.emergencyRollback");
        assertThat(matching.apply("account: change")).containsExactly("MyAccountService.changePassword");
        // ... and the recorded name still match.
        assertThat(matching.apply("ReleasesService.emergency")).containsExactly("ReleasesService.emergencyRollback");
        assertThat(matching.apply("{nodeId}/suspend")).containsExactly("POST /api/v1/admin/nodes/{nodeId}/suspend");
        assertThat(matching.apply("nodes: suspend")).isEmpty();
    }
}
