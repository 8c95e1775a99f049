package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import network.noderr.controlplane.Application;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;

/**
 * The chain goes away mid-run and comes back: reads keep coming from the mirror flagged stale (with since-when),
 * writes are refused with a clear 503 and leave nothing behind, the engine's automatic rollback is queued and sent
 * once the chain is back (timed from when it is sent, not from when it was queued), and the status recovers. Runs a
 * control plane of its own (a second application, like a second replica) on a chain of its own, which this test
 * stops and restarts.
 */
class BeaconDegradedModeTest {

    private static final String CONFIG = "0x" + "d".repeat(64);
    private static Path dir;
    private static int port;
    private static EmbeddedChain chain;
    private static ConfigurableApplicationContext app;
    private static SecurityContextHolderStrategy strategyBefore;

    int serverPort;
    Beacon beacon;
    OnChainBeacon onChain;
    BeaconConnection connection;
    JdbcClient jdbc;

    @BeforeAll
    static void startChainAndApplication() throws IOException {
        dir = Files.createTempDirectory("noderr-degraded-chain");
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        chain = EmbeddedChain.start(TestChain.ANVIL, dir, port);
        var s = chain.settings();
        // In one JVM a second application replaces the process-wide security context strategy (Vaadin installs its
        // own); the one in place before is put back afterwards, as TwoReplicasTest does.
        strategyBefore = SecurityContextHolder.getContextHolderStrategy();
        // Command-line arguments: they outrank the system properties through which TestChain configures the
        // other tests' contexts.
        app = new SpringApplicationBuilder(Application.class)
                .profiles("test")
                .run("--server.port=0", "--spring.main.banner-mode=off",
                        "--noderr.rollouts.reconcile-interval=PT1H",
                        "--noderr.beacon.rpc-url=" + s.rpcUrl(),
                        "--noderr.beacon.contract-address=" + s.contractAddress(),
                        "--noderr.beacon.start-block=" + s.deployBlock(),
                        "--noderr.beacon.keystore-path=" + s.keystore(),
                        "--noderr.beacon.keystore-password=" + s.keystorePassword(),
                        "--noderr.beacon.poll-interval=1h"); // this test drives every step itself
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        SecurityContextHolder.setContextHolderStrategy(strategyBefore);
        if (chain != null) {
            chain.close();
        }
        org.springframework.util.FileSystemUtils.deleteRecursively(dir.toFile());
    }

    @BeforeEach
    void beans() {
        serverPort = ((org.springframework.boot.web.server.context.WebServerApplicationContext) app).getWebServer()
                .getPort();
        beacon = app.getBean(Beacon.class);
        onChain = app.getBean(OnChainBeacon.class);
        connection = app.getBean(BeaconConnection.class);
        jdbc = app.getBean(JdbcClient.class);
    }

    @Test
    void readsComeFromTheMirrorWhileTheChainIsDownAndWritesResumeWhenItIsBack() throws Exception {
        var api = new ApiClient(serverPort);
        var admin = IntegrationTest.ADMIN_TOKEN;
        var v1 = TestBeacons.uniqueVersion();
        var v2 = TestBeacons.uniqueVersion();
        try {
            assertThat(api.put("/api/v1/admin/tiers/ORACLE/rollout-config",
                    Map.of("canaryPercentage", 10, "cohortPercentage", 30, "cohortDelayHours", 12), admin).status())
                    .isEqualTo(202);
            publish(api, v1);
            abortOracleRollouts();
            publish(api, v2);
            assertThat(status(api).path("status").asText()).isEqualTo("ok");
            String address = connection.chain().contractAddress();

            chain.close(); // the chain goes away

            beacon.sync();
            var stale = status(api);
            assertThat(stale.path("status").asText()).isEqualTo("stale");
            assertThat(stale.path("staleSince").asText()).isNotBlank();
            var oracle = stale.path("tiers").get(1);
            assertThat(oracle.path("currentVersion").asText()).as("served from the mirror").isEqualTo(v2);
            assertThat(oracle.path("cohortDelayHours").asInt()).isEqualTo(12);
            assertThat(api.get("/api/v1/admin/releases?tier=ORACLE", admin).status()).isEqualTo(200);

            abortOracleRollouts(); // so that only the chain stands in the way
            var refused = api.post(ApiClient.PUBLISH_ANY_VERSION, release(TestBeacons.uniqueVersion()), admin);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.problemType()).isEqualTo("chain-unavailable");
            assertThat(refused.text("detail")).contains("nothing was sent");
            assertThat(api.put("/api/v1/admin/tiers/ORACLE/rollout-config",
                    Map.of("canaryPercentage", 5, "cohortPercentage", 25, "cohortDelayHours", 6), admin).status())
                    .isEqualTo(503);
            assertThat(jdbc.sql("SELECT count(*) FROM beacon_transactions WHERE contract_address = :c "
                            + "AND status IN ('pending', 'queued')").param("c", address).query(Long.class).single())
                    .as("refused writes leave nothing behind").isZero();

            // The engine's automatic rollback does not wait for the chain: it is queued and retried.
            onChain.queueEmergencyRollback(Tier.ORACLE, v1, "automatic rollback: canary unhealthy");
            beacon.sync();
            assertThat(rollback(address, v1)).isEqualTo("queued");

            chain = EmbeddedChain.start(TestChain.ANVIL, dir, port); // back, with its state
            assertThat(chain.settings().contractAddress()).isEqualTo(address);

            // Sending the queued transaction and indexing its receipt may take more than one sync under load.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                beacon.sync();
                return "confirmed".equals(rollback(address, v1));
            });
            var recovered = status(api);
            assertThat(recovered.path("status").asText()).isEqualTo("ok");
            assertThat(recovered.path("staleSince").isNull()).isTrue();
            assertThat(rollback(address, v1)).as("sent and indexed after recovery").isEqualTo("confirmed");
            assertThat(status(api).path("tiers").get(1).path("currentVersion").asText()).isEqualTo(v1);
            assertThat(api.put("/api/v1/admin/tiers/ORACLE/rollout-config",
                    Map.of("canaryPercentage", 5, "cohortPercentage", 25, "cohortDelayHours", 6), admin).status())
                    .isEqualTo(202);
            beacon.sync();
            assertThat(status(api).path("tiers").get(1).path("cohortDelayHours").asInt()).isEqualTo(6);
        } finally {
            abortOracleRollouts();
        }
    }

    /**
     * A rollback queued during an outage longer than the transaction timeout is sent when the chain is back; the
     * timeout counts from the send, so the poll that sends it does not also give it up as "not mined". The chain
     * holds the transaction in its mempool for that poll (automine off, as on a busy chain), then mines it.
     */
    @Test
    void aRollbackQueuedThroughALongOutageIsTimedFromItsSendAndConfirmed() throws Exception {
        var api = new ApiClient(serverPort);
        var v1 = TestBeacons.uniqueVersion();
        var v2 = TestBeacons.uniqueVersion();
        try {
            publish(api, v1);
            abortOracleRollouts();
            publish(api, v2);
            String address = connection.chain().contractAddress();

            chain.close();
            beacon.sync();
            onChain.queueEmergencyRollback(Tier.ORACLE, v1, "automatic rollback: canary unhealthy");
            beacon.sync();
            assertThat(rollback(address, v1)).isEqualTo("queued");
            assertThat(listed(api, v1).path("sentAt").isNull()).as("not sent while queued").isTrue();
            var timeout = app.getBean(BeaconProperties.class).transactionTimeout();
            jdbc.sql("UPDATE beacon_transactions SET created_at = created_at - CAST(:age AS INTERVAL) "
                            + "WHERE contract_address = :c AND kind = 'ROLLBACK' AND version_string = :v")
                    .param("age", timeout.multipliedBy(3).toSeconds() + " seconds")
                    .param("c", address)
                    .param("v", v1)
                    .update();

            chain = EmbeddedChain.start(TestChain.ANVIL, dir, port);
            automine(false);
            beacon.sync();
            assertThat(rollback(address, v1)).as("sent in this poll, not mined yet, and not given up")
                    .isEqualTo("pending");
            assertThat(jdbc.sql("SELECT sent_at > created_at FROM beacon_transactions WHERE contract_address = :c "
                            + "AND kind = 'ROLLBACK' AND version_string = :v")
                    .param("c", address).param("v", v1).query(Boolean.class).single()).isTrue();
            var sentListed = listed(api, v1);
            assertThat(java.time.Instant.parse(sentListed.path("sentAt").asText()))
                    .as("the list shows when it went to the chain")
                    .isAfter(java.time.Instant.parse(sentListed.path("createdAt").asText()).plus(timeout));

            automine(true);
            chainCall("evm_mine");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                beacon.sync();
                return !"pending".equals(rollback(address, v1));
            });
            assertThat(rollback(address, v1)).isEqualTo("confirmed");
            assertThat(status(api).path("tiers").get(1).path("currentVersion").asText()).isEqualTo(v1);
        } finally {
            abortOracleRollouts();
            try {
                automine(true); // the other test shares this chain
            } catch (IOException | RuntimeException | AssertionError e) {
                // the chain is down: it restarts with automine on
            }
        }
    }

    /** The ROLLBACK to {@code version} as the transactions list shows it. */
    private static tools.jackson.databind.JsonNode listed(ApiClient api, String version) {
        var list = api.get("/api/v1/admin/beacon/transactions?limit=20", IntegrationTest.ADMIN_TOKEN).body();
        return java.util.stream.StreamSupport.stream(list.spliterator(), false)
                .filter(t -> t.path("kind").asText().equals("ROLLBACK") && t.path("versionString").asText()
                        .equals(version))
                .findFirst().orElseThrow();
    }

    private static void automine(boolean on) throws IOException {
        chainCall("evm_setAutomine", on);
    }

    private static void chainCall(String method, Object... params) throws IOException {
        var response = new org.web3j.protocol.core.Request<>(method, java.util.List.of(params),
                new org.web3j.protocol.http.HttpService(chain.settings().rpcUrl()),
                org.web3j.protocol.core.methods.response.VoidResponse.class).send();
        assertThat(response.hasError()).as(method).isFalse();
    }

    private String rollback(String address, String version) {
        return jdbc.sql("SELECT status FROM beacon_transactions WHERE contract_address = :c AND kind = 'ROLLBACK' "
                        + "AND version_string = :v")
                .param("c", address).param("v", version).query(String.class).single();
    }

    private void publish(ApiClient api, String version) {
        var response = api.post(ApiClient.PUBLISH_ANY_VERSION, release(version), IntegrationTest.ADMIN_TOKEN);
        assertThat(response.status()).as(response.toString()).isEqualTo(202);
        beacon.sync();
    }

    private static tools.jackson.databind.JsonNode status(ApiClient api) {
        return api.get("/api/v1/admin/beacon", IntegrationTest.ADMIN_TOKEN).body();
    }

    private static Map<String, Object> release(String version) {
        return Map.of("tier", "ORACLE", "versionString", version, "imageRef", "registry.noderr.network/oracle:"
                + version, "imageDigest", TestBeacons.digestString(4), "configHash", CONFIG);
    }

    private void abortOracleRollouts() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }
}
