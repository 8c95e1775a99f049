package network.noderr.controlplane.approvals;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.TestUsers;
import network.noderr.controlplane.beacon.Beacon;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The two-person rule through the management API on the real chain: GUARDIAN (on by default) holds publish and
 * emergency rollback until a second, different RELEASE_MANAGER or ADMIN approves; the requester cannot approve their
 * own request, not even with another API token; reject, cancel and expiry; only an ADMIN changes the setting; a tier
 * with the rule off publishes at once as before. Leaves GUARDIAN with no open rollout and no pending request, and
 * the settings at their defaults.
 */
@IntegrationTest
class TwoPersonRuleApiTest {

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final BigInteger GUARDIAN = BigInteger.TWO;
    private static final String CONFIG = "0x" + "d".repeat(64);

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Beacon beacon;

    private ApiClient api;
    private String managerA;
    private String managerB;
    private String viewer;
    private Web3j web3j;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        managerA = TestUsers.token(users, tokens, "two-person-a", Role.RELEASE_MANAGER);
        managerB = TestUsers.token(users, tokens, "two-person-b", Role.RELEASE_MANAGER);
        viewer = TestUsers.token(users, tokens, "two-person-viewer", Role.VIEWER);
        web3j = Web3j.build(new HttpService(TestChain.settings().rpcUrl()));
        leaveTiersAsOtherTestsExpect();
    }

    @AfterEach
    void tearDown() {
        leaveTiersAsOtherTestsExpect();
        web3j.shutdown();
    }

    @Test
    void theDefaultsAreOnForGuardianOnlyAndATierWithoutTheRulePublishesAtOnce() {
        var rules = api.get("/api/v1/admin/two-person-rules", viewer);
        assertThat(rules.status()).isEqualTo(200);
        assertThat(rules.body().toString()).contains("\"tier\":\"ALL\",\"enabled\":false")
                .contains("\"tier\":\"ORACLE\",\"enabled\":false").contains("\"tier\":\"GUARDIAN\",\"enabled\":true");
        assertThat(api.get("/api/v1/admin/beacon", viewer).body().path("tiers").get(2).path("twoPersonRule")
                .asBoolean()).isTrue();

        var version = version();
        var sent = api.post(ApiClient.PUBLISH_ANY_VERSION, release("ORACLE", version), managerA);
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        assertThat(sent.text("txHash")).startsWith("0x");
        assertThat(sent.body().has("kind")).as("a transaction, not an approval").isFalse();
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
        beacon.sync();
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    @Test
    void guardianPublishWaitsForASecondApproverAndThenRunsExactlyOnce() throws Exception {
        var version = version();
        var held = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version), managerA);
        assertThat(held.status()).as(held.toString()).isEqualTo(202);
        assertThat(held.text("kind")).isEqualTo("PUBLISH");
        assertThat(held.text("status")).isEqualTo("PENDING");
        assertThat(held.text("requestedBy")).isEqualTo("two-person-a");
        assertThat(held.text("versionString")).isEqualTo(version);
        assertThat(held.text("imageDigest")).isEqualTo(digest(7));
        var id = held.text("id");
        assertThat(held.headers().get("location")).containsExactly("/api/v1/admin/approvals/" + id);

        beacon.sync();
        assertThat(onChainId(version)).as("nothing on-chain while pending").isZero();
        assertThat(sentPublishes(version)).isZero();
        assertThat(api.get("/api/v1/admin/rollouts?tier=GUARDIAN&status=active", viewer).body()).isEmpty();

        var second = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version()), managerB);
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.problemType()).isEqualTo("approval-pending");
        assertThat(second.text("detail")).contains("publish GUARDIAN " + version).contains("two-person-a");

        var own = api.post("/api/v1/admin/approvals/" + id + "/approve", "", managerA);
        assertThat(own.status()).isEqualTo(403);
        assertThat(own.problemType()).isEqualTo("self-approval");
        assertThat(own.text("detail")).contains("second, different RELEASE_MANAGER or ADMIN");
        var otherToken = TestUsers.token(users, tokens, "two-person-a", Role.RELEASE_MANAGER);
        assertThat(api.post("/api/v1/admin/approvals/" + id + "/approve", "", otherToken).status())
                .as("the same person through another API token").isEqualTo(403);
        assertThat(api.post("/api/v1/admin/approvals/" + id + "/approve", "", viewer).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/approvals?status=PENDING", viewer).body().toString()).contains(id);
        assertThat(api.get("/api/v1/admin/approvals/" + id, viewer).text("status")).isEqualTo("PENDING");

        var approved = api.post("/api/v1/admin/approvals/" + id + "/approve", "", managerB);
        assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
        assertThat(approved.text("status")).isEqualTo("APPROVED");
        assertThat(approved.text("decidedBy")).isEqualTo("two-person-b");
        assertThat(approved.text("result")).contains("transaction 0x");
        var twice = api.post("/api/v1/admin/approvals/" + id + "/approve", "", IntegrationTest.ADMIN_TOKEN);
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.problemType()).isEqualTo("approval-not-pending");

        beacon.sync();
        assertThat(onChainId(version)).as("published on-chain").isPositive();
        assertThat(sentPublishes(version)).as("exactly once").isOne();
        var rollout = api.get("/api/v1/admin/rollouts?tier=GUARDIAN&status=active", viewer).body().get(0);
        assertThat(rollout.path("versionString").asText()).isEqualTo(version);
        assertThat(rollout.path("timeline").get(0).path("actor").asText())
                .isEqualTo("two-person-a (approved by two-person-b)");

        var audit = jdbc.sql("SELECT actor || '|' || action || '|' || outcome || '|' || coalesce(detail, '') "
                        + "FROM audit_log WHERE action LIKE '%/releases' OR action LIKE '%approv%' ORDER BY id")
                .query(String.class).list();
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("two-person-a|POST /api/v1/admin/releases|success|")
                .contains("versionString=" + version));
        assertThat(audit).anySatisfy(e -> assertThat(e)
                .startsWith("two-person-a|POST /api/v1/admin/approvals/{id}/approve|refused|"));
        assertThat(audit).anySatisfy(e -> assertThat(e)
                .startsWith("two-person-b|POST /api/v1/admin/approvals/{id}/approve|success|"));
        assertThat(audit).anySatisfy(e -> assertThat(e).startsWith("two-person-b|two-person approval|success|")
                .contains("publish GUARDIAN " + version + " requested by two-person-a, approved by two-person-b"));
    }

    @Test
    void guardianEmergencyRollbackIsHeldTooAndAnAdminMayApproveIt() throws Exception {
        var earlier = publishApproved(version());
        completeGuardianRollouts(); // the tier runs it: what a rollback may return to
        var later = publishApproved(version());
        assertThat(currentOnChain()).isEqualTo(onChainId(later));

        var held = api.post("/api/v1/admin/tiers/GUARDIAN/emergency-rollback",
                Map.of("toVersion", earlier, "reason", "risk engine stalls"), managerA);
        assertThat(held.status()).as(held.toString()).isEqualTo(202);
        assertThat(held.text("kind")).isEqualTo("EMERGENCY_ROLLBACK");
        assertThat(held.text("versionString")).isEqualTo(earlier);
        assertThat(held.text("reason")).isEqualTo("risk engine stalls");
        assertThat(held.text("rollsBackFrom")).as("filed against the version in force").isEqualTo(later);
        assertThat(held.text("summary")).isEqualTo("emergency rollback of GUARDIAN " + later + " to " + earlier);
        assertThat(currentOnChain()).as("nothing rolled back while pending").isEqualTo(onChainId(later));
        assertThat(deploymentStatus(later)).isEqualTo("active");

        var refusedNow = api.post("/api/v1/admin/tiers/GUARDIAN/emergency-rollback",
                Map.of("toVersion", later, "reason", "forward is not back"), managerB);
        assertThat(refusedNow.status()).as("checked when filed").isEqualTo(400);

        assertThat(api.post("/api/v1/admin/approvals/" + held.text("id") + "/approve", "", managerA).status())
                .isEqualTo(403);
        var approved = api.post("/api/v1/admin/approvals/" + held.text("id") + "/approve", "",
                IntegrationTest.ADMIN_TOKEN);
        assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
        assertThat(approved.text("status")).isEqualTo("APPROVED");
        assertThat(approved.text("decidedBy")).isEqualTo("admin");
        assertThat(approved.text("result")).contains("rolled back to " + earlier)
                .endsWith("; rollout " + later + " is rolled back");
        assertThat(currentOnChain()).as("on-chain").isEqualTo(onChainId(earlier));
        assertThat(deploymentStatus(later)).isEqualTo("rolled_back");
        assertThat(jdbc.sql("SELECT created_by FROM tier_emergencies WHERE tier = 'GUARDIAN'").query(String.class)
                .single()).isEqualTo("two-person-a (approved by admin)");

        // Nobody is asked to approve a rollback to the version already in force: it is refused when filed.
        var again = api.post("/api/v1/admin/tiers/GUARDIAN/emergency-rollback",
                Map.of("toVersion", earlier, "reason", "still stalls"), managerA);
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("already-rolled-back");
        assertThat(again.text("detail")).contains("GUARDIAN is already rolled back to " + earlier);
        jdbc.sql("DELETE FROM tier_emergencies WHERE tier = 'GUARDIAN'").update();
    }

    /**
     * A rollback request names the version in force it was filed against: approved after another release was
     * published and started, it fails instead of rolling back a release nobody filed it against.
     */
    @Test
    void aHeldRollbackFailsWhenTheTierMovedOnBeforeItWasApproved() throws Exception {
        var good = publishApproved(version());
        completeGuardianRollouts();
        var bad = publishApproved(version());
        var held = api.post("/api/v1/admin/tiers/GUARDIAN/emergency-rollback",
                Map.of("toVersion", good, "reason", bad + " is bad"), managerA);
        assertThat(held.status()).as(held.toString()).isEqualTo(202);
        assertThat(held.text("rollsBackFrom")).isEqualTo(bad);

        abortGuardianRollouts();
        var fixed = publishApproved(version());
        assertThat(deploymentStatus(fixed)).isEqualTo("active");

        var approved = api.post("/api/v1/admin/approvals/" + held.text("id") + "/approve", "", managerB);
        assertThat(approved.status()).as(approved.toString()).isEqualTo(409);
        assertThat(approved.problemType()).isEqualTo("version-in-force-changed");
        assertThat(approved.text("detail")).contains("filed against " + bad)
                .contains("version in force is now " + fixed);
        var after = api.get("/api/v1/admin/approvals/" + held.text("id"), viewer);
        assertThat(after.text("status")).isEqualTo("FAILED");
        assertThat(after.text("error")).contains("filed against " + bad);
        assertThat(deploymentStatus(fixed)).as("nothing rolled back").isEqualTo("active");
        assertThat(currentOnChain()).isEqualTo(onChainId(fixed));
    }

    /** A downgrade held for a second person says so in the request, so that the approver sees it before approving. */
    @Test
    void aHeldDowngradeTellsTheApproverItIsOne() {
        var node = "two-person-downgrade-" + SEQ.incrementAndGet() + "-" + System.nanoTime() % 100_000;
        network.noderr.controlplane.TestNodes.insertRunning(jdbc, node, "GUARDIAN", "999999.0.0", "cohort4");
        try {
            var held = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version()), managerA);
            assertThat(held.status()).as(held.toString()).isEqualTo(202);
            assertThat(held.text("kind")).isEqualTo("PUBLISH");
            assertThat(held.text("reason")).startsWith("A downgrade: ")
                    .contains("active node").contains("the highest, 999999.0.0");
            assertThat(api.post("/api/v1/admin/approvals/" + held.text("id") + "/cancel", "", managerA).status())
                    .isEqualTo(200);
        } finally {
            network.noderr.controlplane.TestNodes.delete(jdbc, node);
        }
    }

    @Test
    void aSecondPersonRejectsWithAReasonAndTheRequesterCancels() {
        var version = version();
        var id = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version), managerA).text("id");

        assertThat(api.post("/api/v1/admin/approvals/" + id + "/reject", Map.of("reason", "mine"), managerA)
                .status()).isEqualTo(403);
        var notTheirs = api.post("/api/v1/admin/approvals/" + id + "/cancel", "", managerB);
        assertThat(notTheirs.status()).isEqualTo(403);
        assertThat(notTheirs.problemType()).isEqualTo("not-the-requester");
        assertThat(api.post("/api/v1/admin/approvals/" + id + "/reject", Map.of("reason", " "), managerB).status())
                .isEqualTo(400);
        assertThat(api.post("/api/v1/admin/approvals/" + id + "/reject", Map.of("reason", "no"), viewer).status())
                .isEqualTo(403);
        var rejected = api.post("/api/v1/admin/approvals/" + id + "/reject",
                Map.of("reason", "digest does not match the signed build"), managerB);
        assertThat(rejected.status()).isEqualTo(200);
        assertThat(rejected.text("status")).isEqualTo("REJECTED");
        assertThat(rejected.text("decisionReason")).isEqualTo("digest does not match the signed build");
        assertThat(api.post("/api/v1/admin/approvals/" + id + "/approve", "", IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(409);
        assertThat(sentPublishes(version)).isZero();

        var again = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version), managerA);
        assertThat(again.status()).as("the tier is free for a new request").isEqualTo(202);
        var cancelled = api.post("/api/v1/admin/approvals/" + again.text("id") + "/cancel", "", managerA);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.text("status")).isEqualTo("CANCELLED");
        assertThat(cancelled.text("decidedBy")).isEqualTo("two-person-a");
        assertThat(api.get("/api/v1/admin/approvals?status=cancelled", viewer).body().toString())
                .contains(again.text("id"));
        assertThat(api.get("/api/v1/admin/approvals?status=maybe", viewer).status()).isEqualTo(400);
        assertThat(sentPublishes(version)).isZero();
    }

    @Test
    void aRequestNobodyDecidesExpires() {
        var version = version();
        var id = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version), managerA).text("id");
        jdbc.sql("UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = CAST(:id AS UUID)")
                .param("id", id)
                .update();

        var late = api.post("/api/v1/admin/approvals/" + id + "/approve", "", managerB);
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.problemType()).isEqualTo("approval-expired");
        assertThat(api.get("/api/v1/admin/approvals/" + id, viewer).text("status")).isEqualTo("EXPIRED");
        assertThat(sentPublishes(version)).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM audit_log WHERE action = 'two-person approval expired' "
                + "AND detail LIKE :d").param("d", "%" + id).query(Long.class).single()).isOne();
        assertThat(api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version), managerA).status())
                .as("a new request may be filed").isEqualTo(202);
    }

    @Test
    void onlyAnAdminChangesTheRule() {
        assertThat(api.put("/api/v1/admin/two-person-rules/ORACLE", Map.of("enabled", true), managerA).status())
                .isEqualTo(403);
        assertThat(api.put("/api/v1/admin/two-person-rules/ORACLE", Map.of("enabled", true), viewer).status())
                .isEqualTo(403);
        assertThat(api.put("/api/v1/admin/two-person-rules/ORACLE", Map.of(), IntegrationTest.ADMIN_TOKEN).status())
                .isEqualTo(400);
        try {
            var on = api.put("/api/v1/admin/two-person-rules/ORACLE", Map.of("enabled", true),
                    IntegrationTest.ADMIN_TOKEN);
            assertThat(on.status()).isEqualTo(200);
            assertThat(on.body().path("enabled").asBoolean()).isTrue();
            assertThat(on.text("updatedBy")).isEqualTo("admin");
            var held = api.post(ApiClient.PUBLISH_ANY_VERSION, release("ORACLE", version()), managerA);
            assertThat(held.status()).isEqualTo(202);
            assertThat(held.text("status")).isEqualTo("PENDING");
            assertThat(jdbc.sql("SELECT count(*) FROM audit_log WHERE actor = 'admin' "
                    + "AND action = 'PUT /api/v1/admin/two-person-rules/{tier}' AND target = 'ORACLE'")
                    .query(Long.class).single()).isPositive();
        } finally {
            assertThat(api.put("/api/v1/admin/two-person-rules/ORACLE", Map.of("enabled", false),
                    IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(200);
        }
    }

    /** A GUARDIAN version requested by A, approved by B and indexed; returns the version. */
    private String publishApproved(String version) {
        var held = api.post(ApiClient.PUBLISH_ANY_VERSION, release("GUARDIAN", version), managerA);
        assertThat(held.status()).as(held.toString()).isEqualTo(202);
        var approved = api.post("/api/v1/admin/approvals/" + held.text("id") + "/approve", "", managerB);
        assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
        beacon.sync();
        return version;
    }

    private long sentPublishes(String version) {
        return jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE kind = 'PUBLISH' AND tier = 'GUARDIAN' "
                + "AND version_string = :v").param("v", version).query(Long.class).single();
    }

    private String deploymentStatus(String version) {
        return jdbc.sql("SELECT status FROM deployments WHERE tier = 'GUARDIAN' AND version_string = :v")
                .param("v", version).query(String.class).single();
    }

    private long onChainId(String version) throws Exception {
        return contract().versionIdOf(GUARDIAN, version).send().longValueExact();
    }

    private long currentOnChain() throws Exception {
        return contract().currentVersionId(GUARDIAN).send().longValueExact();
    }

    private VersionBeacon contract() {
        var address = api.get("/api/v1/admin/beacon", viewer).text("contractAddress");
        return VersionBeacon.load(address, web3j, new ReadonlyTransactionManager(web3j, address),
                new DefaultGasProvider());
    }

    private static Map<String, String> release(String tier, String version) {
        return Map.of("tier", tier, "versionString", version, "imageRef",
                "registry.noderr.network/" + tier.toLowerCase(java.util.Locale.ROOT) + ":" + version,
                "imageDigest", digest(7), "configHash", CONFIG);
    }

    private static String digest(int seed) {
        return "sha256:" + String.format("%064x", seed + 8192);
    }

    private static String version() {
        return "7." + (System.currentTimeMillis() / 1000 % 100_000) + "." + SEQ.incrementAndGet();
    }

    private void completeGuardianRollouts() {
        jdbc.sql("UPDATE deployments SET status = 'completed' WHERE tier = 'GUARDIAN' AND status IN ('active', 'paused')")
                .update();
    }

    private void abortGuardianRollouts() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'GUARDIAN' AND status IN ('active', 'paused')")
                .update();
    }

    /** No open GUARDIAN rollout, no request waiting, the rule at its defaults (RolloutJourneyTest uses GUARDIAN). */
    private void leaveTiersAsOtherTestsExpect() {
        abortGuardianRollouts();
        jdbc.sql("UPDATE approvals SET status = 'CANCELLED', decided_by = requested_by, decided_at = now() "
                + "WHERE status = 'PENDING'").update();
        jdbc.sql("UPDATE two_person_rules SET enabled = (tier = 'GUARDIAN')").update();
    }
}
