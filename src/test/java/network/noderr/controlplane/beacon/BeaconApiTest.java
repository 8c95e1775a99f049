package network.noderr.controlplane.beacon;

import static network.noderr.controlplane.beacon.TestBeacons.n;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.web3j.protocol.Web3j;

/**
 * The beacon through the management API on a real chain (anvil): publishing is a transaction that is confirmed by
 * the indexer and starts the rollout; the version query then serves the on-chain digest; an emergency rollback goes
 * on-chain and then through the engine; a version published on-chain by someone else is picked up too. Uses tier
 * ORACLE and aborts its open rollouts after each test.
 */
@IntegrationTest
class BeaconApiTest {

    private static final String CONFIG = "0x" + "c".repeat(64);

    @LocalServerPort
    int port;

    @Autowired
    Beacon beacon;

    @Autowired
    BeaconConnection connection;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    @Autowired
    Applications applications;

    private ApiClient api;
    private String manager;
    private String viewer;
    private Web3j web3j;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        manager = token("beacon-manager", Role.RELEASE_MANAGER);
        viewer = token("beacon-viewer", Role.VIEWER);
        web3j = TestBeacons.web3j();
        abortOracleRollouts();
    }

    @AfterEach
    void tearDown() {
        abortOracleRollouts();
        web3j.shutdown();
    }

    @Test
    void publishingIsConfirmedOnChainAndStartsTheRollout() throws Exception {
        var version = TestBeacons.uniqueVersion();
        var digest = TestBeacons.digestString(7);

        var submitted = api.post(ApiClient.PUBLISH_ANY_VERSION, release(version, digest), manager);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        assertThat(submitted.text("status")).isEqualTo("pending");
        var txHash = submitted.text("txHash");
        assertThat(txHash).matches("0x[0-9a-f]{64}");

        // Mined by anvil a moment after it took the transaction (later still on a loaded machine): synced until then.
        var receipt = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> {
                    beacon.sync();
                    return web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
                }, java.util.Optional::isPresent)
                .orElseThrow();
        beacon.sync(); // and indexed
        assertThat(receipt.isStatusOK()).isTrue();
        var listed = api.get("/api/v1/admin/releases?tier=ORACLE", viewer);
        var row = find(listed.body(), version);
        assertThat(row.path("status").asText()).isEqualTo("confirmed");
        assertThat(row.path("txHash").asText()).isEqualTo(txHash);
        assertThat(row.path("blockNumber").asLong()).isEqualTo(receipt.getBlockNumber().longValueExact());
        assertThat(row.path("current").asBoolean()).isTrue();
        assertThat(row.path("createdBy").asText()).isEqualTo("beacon-manager");
        var onChainId = contract().versionIdOf(n(1), version).send().longValueExact();
        assertThat(row.path("versionId").asLong()).isEqualTo(onChainId).isPositive();

        var rollouts = api.get("/api/v1/admin/rollouts?tier=ORACLE&status=active", viewer).body();
        assertThat(rollouts.get(0).path("versionString").asText()).isEqualTo(version);

        // A canary node of ORACLE is told to run exactly what the chain records.
        var node = canaryNode(Tier.ORACLE);
        var answer = api.get("/api/v1/version/" + node[0], node[1]);
        assertThat(answer.text("versionString")).isEqualTo(version);
        assertThat(answer.text("imageDigest")).isEqualTo(digest)
                .isEqualTo(BeaconTiers.digestString(contract().currentVersion(n(1)).send().imageDigest));
        assertThat(answer.body().path("versionId").asLong()).isEqualTo(onChainId);
    }

    @Test
    void publishValidatesItsInputAndNeedsAReleaseManager() {
        var leadingZero = api.post("/api/v1/admin/releases", release("01.2.0", TestBeacons.digestString(1)), manager);
        assertThat(leadingZero.status()).isEqualTo(400);
        assertThat(leadingZero.body().path("errors").path("versionString").asText()).contains("no leading zeros");
        var bad = new HashMap<String, Object>(release("1.2", "sha256:xyz"));
        bad.put("configHash", "nope");
        var response = api.post(ApiClient.PUBLISH_ANY_VERSION, bad, manager);
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("errors").has("versionString")).isTrue();
        assertThat(response.body().path("errors").has("imageDigest")).isTrue();
        assertThat(response.body().path("errors").has("configHash")).isTrue();

        assertThat(api.post(ApiClient.PUBLISH_ANY_VERSION, release(TestBeacons.uniqueVersion(), TestBeacons.digestString(1)),
                viewer).status()).isEqualTo(403);
        assertThat(api.put("/api/v1/admin/tiers/ORACLE/rollout-config",
                Map.of("canaryPercentage", 10, "cohortPercentage", 30, "cohortDelayHours", 12), manager).status())
                .as("rollout config is for admins")
                .isEqualTo(403);
    }

    @Test
    void aPublishBelowTheCurrentVersionNeedsAllowDowngrade() {
        var current = TestBeacons.uniqueVersion();
        publishAndConfirm(current);
        abortOracleRollouts();

        var refused = api.post("/api/v1/admin/releases", release("0.9.0", TestBeacons.digestString(3)), manager);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.problemType()).isEqualTo("downgrade");
        assertThat(refused.text("detail")).contains("Publishing ORACLE 0.9.0 would move the tier down")
                .contains("its current version is " + current).contains("Nothing was sent")
                .contains("allowDowngrade=true");
        assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE version_string = '0.9.0'")
                .query(Long.class).single()).as("nothing sent").isZero();

        // Deliberate: sent. Then a version above it needs no flag.
        publishAndConfirm("0.9.0");
        abortOracleRollouts();
        var upward = api.post("/api/v1/admin/releases", release(TestBeacons.uniqueVersion(),
                TestBeacons.digestString(4)), manager);
        assertThat(upward.status()).as(upward.toString()).isEqualTo(202);
        beacon.sync();
    }

    @Test
    void refusesASecondPublishWhileTheTierIsRollingOut() {
        publishAndConfirm(TestBeacons.uniqueVersion());
        var second = api.post("/api/v1/admin/releases",
                release(TestBeacons.uniqueVersion(), TestBeacons.digestString(2)), manager);
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.problemType()).isEqualTo("rollout-in-progress");
    }

    @Test
    void emergencyRollbackGoesOnChainThenThroughTheEngine() throws Exception {
        var earlier = publishAndConfirm(TestBeacons.uniqueVersion());
        // Completed: the tier runs it, so a rollback may return there (not above what the tier runs).
        jdbc.sql("UPDATE deployments SET status = 'completed' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
        var later = publishAndConfirm(TestBeacons.uniqueVersion());
        var earlierId = contract().versionIdOf(n(1), earlier).send().longValueExact();

        var ambiguous = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", later, "toVersionId", earlierId, "reason", "which one?"), manager);
        assertThat(ambiguous.status()).as("two different releases named: refused").isEqualTo(400);
        assertThat(ambiguous.body().path("errors").path("toVersionId").asText())
                .isEqualTo("names another release than toVersion " + later + ": give one of them");

        var response = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", earlier, "toVersionId", earlierId, "reason", "exchange adapter crash loop"),
                manager);

        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.text("versionString")).isEqualTo(later);
        assertThat(response.text("status")).isEqualTo("rolled_back");
        assertThat(response.text("reason")).contains("exchange adapter crash loop").contains("beacon-manager");
        assertThat(contract().currentVersionId(n(1)).send().longValueExact()).as("on-chain").isEqualTo(earlierId);
        var sent = jdbc.sql("SELECT status, tx_hash FROM beacon_transactions WHERE kind = 'ROLLBACK' "
                        + "AND version_string = :v").param("v", earlier).query((rs, i) -> rs.getString(1) + " "
                        + rs.getString(2)).single();

        beacon.sync(); // the indexer sees the event: mirrored, and applying it again changes nothing
        assertThat(jdbc.sql("SELECT status FROM beacon_transactions WHERE tx_hash = :tx")
                .param("tx", sent.split(" ")[1]).query(String.class).single()).isEqualTo("confirmed");
        var tiers = api.get("/api/v1/admin/beacon", viewer).body().path("tiers");
        assertThat(tiers.get(1).path("currentVersion").asText()).isEqualTo(earlier);
        assertThat(jdbc.sql("SELECT count(*) FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id "
                        + "WHERE d.version_string = :v AND e.event LIKE 'emergency rollback%'")
                .param("v", later).query(Long.class).single()).as("one rollback event, not two").isEqualTo(1);
        var audited = api.get("/api/v1/admin/audit?target=ORACLE%20" + later, viewer).body();
        var chainEntries = new java.util.ArrayList<String>();
        audited.forEach(e -> {
            if (e.path("actor").asText().startsWith("chain ")) {
                chainEntries.add(e.toString());
            }
        });
        assertThat(chainEntries).as("the indexer applying our own publish and rollback adds no audit entries: the "
                + "requests that sent them are audited").isEmpty();
        var node = canaryNode(Tier.ORACLE);
        var answer = api.get("/api/v1/version/" + node[0] + "?currentVersion=" + later, node[1]);
        assertThat(answer.text("versionString")).isEqualTo(earlier);
        assertThat(answer.text("updatePriority")).isEqualTo("emergency");

        var again = api.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                Map.of("toVersion", later, "reason", "forward is not back"), manager);
        assertThat(again.status()).isEqualTo(400);
    }

    @Test
    void aVersionPublishedOnChainBySomeoneElseStartsARolloutToo() throws Exception {
        var version = TestBeacons.uniqueVersion();
        var publisherRole = contract().PUBLISHER_ROLE().send();
        contract().grantRole(publisherRole, TestBeacons.STRANGER.getAddress()).send();
        var stranger = TestBeacons.as(contract(), web3j, TestBeacons.STRANGER);
        stranger.publishVersion(n(1), version, "registry.example/oracle:" + version, TestBeacons.digest(3),
                BeaconTiers.hashBytes(CONFIG)).send();

        beacon.sync();

        var rollout = api.get("/api/v1/admin/rollouts?tier=ORACLE&status=active", viewer).body().get(0);
        assertThat(rollout.path("versionString").asText()).isEqualTo(version);
        assertThat(rollout.path("timeline").get(0).path("actor").asText())
                .isEqualToIgnoringCase("chain " + TestBeacons.STRANGER.getAddress());
        var audited = api.get("/api/v1/admin/audit?target=ORACLE%20" + version, viewer).body();
        assertThat(audited).hasSize(1);
        assertThat(audited.get(0).path("actor").asText())
                .isEqualToIgnoringCase("chain " + TestBeacons.STRANGER.getAddress());
        assertThat(audited.get(0).path("actorKind").asText()).isEqualTo("automation");
        assertThat(audited.get(0).path("action").asText()).isEqualTo("rollout active");
        assertThat(audited.get(0).path("detail").asText()).startsWith("started " + version + ": canary active");
        contract().revokeRole(publisherRole, TestBeacons.STRANGER.getAddress()).send();
    }

    @Test
    void reportsTheChainStatus() {
        beacon.sync();
        var status = api.get("/api/v1/admin/beacon", viewer);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.body().path("chainId").asLong()).isEqualTo(31337);
        assertThat(status.text("status")).isEqualTo("ok");
        assertThat(status.text("contractAddress")).isEqualToIgnoringCase(connection.chain().contractAddress());
        assertThat(status.text("rpcUrl")).startsWith("http://127.0.0.1:");
        assertThat(status.body().path("lastIndexedBlock").asLong())
                .isEqualTo(status.body().path("headBlock").asLong());
        assertThat(status.body().path("tiers")).hasSize(3);
        assertThat(status.body().has("staleSince")).isTrue();
        assertThat(api.get("/api/v1/admin/beacon", null).status()).isEqualTo(401);
    }

    @Test
    void nodesLearnWhereToReadTheBeacon() {
        var node = canaryNode(Tier.ORACLE);
        var answer = api.get("/api/v1/beacon", node[1]);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().path("chainId").asLong()).isEqualTo(31337);
        assertThat(answer.text("contractAddress")).isEqualToIgnoringCase(connection.chain().contractAddress());
        assertThat(answer.text("rpcUrl")).isEqualTo(System.getProperty("noderr.beacon.rpc-url"));
        assertThat(api.get("/api/v1/beacon", null).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/beacon", viewer).status()).isEqualTo(403); // for nodes only
    }

    /**
     * Publishes and waits until the publish is confirmed: a sync on a busy machine can miss the chain (a timeout is
     * "chain unavailable" for that run), and the next publish of the tier is refused while this one is open.
     */
    private String publishAndConfirm(String version) {
        var submitted = api.post(ApiClient.PUBLISH_ANY_VERSION, release(version,
                TestBeacons.digestString(5)), manager);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> {
                    beacon.sync();
                    return jdbc.sql("SELECT status FROM beacon_transactions WHERE kind = 'PUBLISH' "
                                    + "AND version_string = :v")
                            .param("v", version).query(String.class).optional().orElse("").equals("confirmed");
                });
        return version;
    }

    private VersionBeacon contract() {
        return VersionBeacon.load(connection.chain().contractAddress(), web3j,
                TestBeacons.manager(web3j, TestBeacons.deployer()), TestBeacons.gasUnchecked(web3j));
    }

    /** Registers nodes until one lands in the canary (bucket < 5); returns {nodeId, accessToken}. */
    private String[] canaryNode(Tier tier) {
        var existing = jdbc.sql("SELECT count(*) FROM node_versions WHERE tier = :t AND bucket < 5")
                .param("t", tier.name()).query(Long.class).single();
        for (int i = 0; i < 200; i++) {
            var key = TestNodeKey.generate();
            var node = Onboarding.registerAndLogIn(api, applications, key, tier);
            if (network.noderr.controlplane.rollouts.engine.CohortAssignment.bucket(node[0]) < 5) {
                return node;
            }
        }
        throw new AssertionError("no canary node after 200 registrations (" + existing + " before)");
    }

    private static Map<String, Object> release(String version, String digest) {
        return Map.of("tier", "ORACLE", "versionString", version, "imageRef",
                "registry.noderr.network/oracle:" + version, "imageDigest", digest, "configHash", CONFIG);
    }

    private static tools.jackson.databind.JsonNode find(tools.jackson.databind.JsonNode list, String version) {
        for (var row : list) {
            if (row.path("versionString").asText().equals(version)) {
                return row;
            }
        }
        throw new AssertionError(version + " not in " + list);
    }

    private void abortOracleRollouts() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    private String token(String name, Role role) {
        return network.noderr.controlplane.TestUsers.token(users, apiTokens, name, role);
    }
}
