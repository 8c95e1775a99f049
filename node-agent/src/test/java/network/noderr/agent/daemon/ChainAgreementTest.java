package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import network.noderr.agent.TestBeacon;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.UpdateOutcome;
import org.junit.jupiter.api.Test;

/**
 * The VersionBeacon, not the control plane, decides which release a node may run. The node reads a chain of its own
 * (its pinned beacon-rpc-url and beacon-address: another real anvil with the same releases), which disagrees with
 * the control plane's: a release the node's chain withdrew is refused and reported though the control plane asks for
 * it with its true digest; an older release the control plane asks for (its emergency rollback) waits until the
 * node's chain records the rollback too, and then runs.
 */
class ChainAgreementTest extends OwnControlPlaneNode {

    @Test
    void aNodeRunsOnlyTheTiersCurrentReleaseOnItsChain() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var nodeId = node();
        controlPlane.publishAndActivateAllCohorts("ORACLE", v1);
        controlPlane.abortOpenRollouts("ORACLE");
        controlPlane.publishAndActivateAllCohorts("ORACLE", v2); // the control plane's ORACLE: 2.0.0

        // The node's chain withdrew 2.0.0 (back on 1.0.0): asked for 2.0.0, the node refuses and stays on 1.0.0.
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            chain.emergencyRollback(1, 1);
            containers.remove(NODE); // the tests share the node's name and each starts its own container
            startNode(v1);
            var started = startedAt();
            try (var agent = new Agent(config(nodeId, chain, "withdrawn", "PT0S"), Clock.systemUTC(), false)) {
                assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
                var failed = agent.updater().failed().orElseThrow();
                assertThat(failed.versionString()).isEqualTo("2.0.0");
                assertThat(failed.outcome()).isEqualTo(UpdateOutcome.FAILED);
                assertThat(failed.reason()).contains("withdrawn");
                assertThat(agent.runningVersion()).contains("1.0.0");
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
            }
            // noderr-agent check names the disagreement.
            var checked = AgentEndToEndTest.command("check", "", "--config",
                    dir.resolve("agent-withdrawn.properties").toString());
            assertThat(checked.exit()).as(checked.toString()).isEqualTo(1);
            assertThat(checked.out()).containsPattern("\\[FAIL\\] chain +.*ORACLE 2\\.0\\.0 is withdrawn")
                    .contains("[ ok ] control plane");
        }
        containers.remove(NODE);

        // The control plane rolls ORACLE back to 1.0.0 (on its chain); the node's chain still says 2.0.0.
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            startNode(v2);
            var started = startedAt();
            controlPlane.post("/api/v1/admin/tiers/ORACLE/emergency-rollback",
                    Map.of("toVersion", "1.0.0", "reason", "chain agreement"), 200);
            try (var agent = new Agent(config(nodeId, chain, "behind", "PT1S"), Clock.systemUTC(), false)) {
                assertThat(agent.daemon().check()).as("not started while the node's chain disagrees")
                        .isEqualTo(Daemon.CheckResult.WAITING_FOR_CHAIN);
                assertThat(agent.runningVersion()).contains("2.0.0");
                assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
                assertThat(agent.updater().failed()).as("nothing remembered as failed").isEmpty();
            }
            // A check waits for the chain to record the rollback (an automatic rollback is sent to the chain after
            // the control plane applies it). The operator takes the lock meanwhile: the update does not start.
            var config = config(nodeId, chain, "behind", "PT60S");
            try (var agent = new Agent(config, Clock.systemUTC(), false)) {
                var checks = Executors.newSingleThreadExecutor();
                try {
                    var check = checks.submit(() -> agent.daemon().check());
                    Thread.sleep(2_500);
                    assertThat(check).as("waiting for the chain").isNotDone();
                    Files.writeString(config.lockFile(), "held by the operator\n");
                    chain.emergencyRollback(1, 1);
                    assertThat(check.get()).isEqualTo(Daemon.CheckResult.HELD_BY_LOCK);
                } finally {
                    checks.shutdownNow();
                }
                assertThat(agent.runningVersion()).contains("2.0.0");
                assertThat(startedAt()).isEqualTo(started);
            }
            Files.delete(config.lockFile());
        }

        // Again with a chain that records the rollback while the check waits, and no lock: the update runs.
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            try (var agent = new Agent(config(nodeId, chain, "later", "PT60S"), Clock.systemUTC(), false)) {
                var checks = Executors.newSingleThreadExecutor();
                try {
                    var check = checks.submit(() -> agent.daemon().check());
                    Thread.sleep(2_500);
                    assertThat(check).as("waiting for the chain").isNotDone();
                    chain.emergencyRollback(1, 1);
                    assertThat(check.get()).isEqualTo(Daemon.CheckResult.UPDATED);
                } finally {
                    checks.shutdownNow();
                }
                assertThat(agent.runningVersion()).contains("1.0.0");
            }
        }
    }

    /**
     * {@code noderr-agent rollback} does not take the node back to a release that an emergency rollback withdrew as
     * bad, also once a fixed release was published after it (the version ids alone no longer tell it then): the node
     * was on 2.0.0 while the tier was rolled back to 1.0.0 (an operator lock held it, say) and went from 2.0.0
     * straight to the fix, 4.0.0. Its previous version is 2.0.0; the chain's rollback history refuses it, and
     * {@code --allow-rolled-back} overrides. A chain RPC that cannot answer the history query refuses too.
     */
    @Test
    void aManualRollbackDoesNotReturnToAReleaseAnEmergencyRollbackWithdrew() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var v4 = TestDocker.image("v4");
        var nodeId = node();
        containers.remove(NODE);
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            chain.emergencyRollback(1, 1);
            chain.publish(1, v4.version(), v4.tagged(), v4.digest()); // the fix: #3, after 2.0.0 (#2)
            var config = onV4AfterV2(nodeId, chain, "history");
            var file = dir.resolve("agent-history.properties").toString();
            var started = startedAt();

            var refused = AgentEndToEndTest.command("rollback", "", "--config", file, "--yes");
            assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err()).contains("ORACLE 2.0.0 was rolled back as a bad release")
                    .contains("from version #2 back to #1").contains("Nothing changed").contains("--allow-rolled-back");
            assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
            assertThat(config.lockFile()).as("no hold written").doesNotExist();

            // A chain RPC that refuses the log query (providers limit the blocks one may cover): refused as well.
            // The RPC is a stand-in in front of the real chain that answers eth_getLogs as such a provider does.
            try (var limited = new LogLimitedRpc(chain.rpcUrl())) {
                var limitedFile = dir.resolve("agent-limited.properties");
                Files.writeString(limitedFile, Files.readString(Path.of(file)).replaceAll("(?m)^beacon-rpc-url=.*$",
                        "beacon-rpc-url=" + limited.url()));
                var unknown = AgentEndToEndTest.command("rollback", "", "--config", limitedFile.toString(), "--yes");
                assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(1);
                assertThat(unknown.err()).contains("Could not read the VersionBeacon's emergency rollbacks")
                        .contains("block range").contains("Nothing changed").contains("--allow-rolled-back");
                assertThat(startedAt()).isEqualTo(started);
                assertThat(config.lockFile()).doesNotExist();
            }

            // The operator insists: the rollback runs (digest still checked on-chain) and holds updates.
            var forced = AgentEndToEndTest.command("rollback", "", "--config", file, "--yes", "--allow-rolled-back");
            assertThat(forced.exit()).as(forced.toString()).isZero();
            try (var agent = new Agent(config, Clock.systemUTC(), false)) {
                assertThat(agent.runningVersion()).contains("2.0.0");
            }
            assertThat(config.lockFile()).exists();
            Files.delete(config.lockFile());
        }
    }

    /**
     * The previous version is older than the running one but was withdrawn: published after the version an emergency
     * rollback took the tier back to, which the chain still points at. Refused with the chain's version numbers,
     * nothing changed.
     */
    @Test
    void aManualRollbackDoesNotReturnToAVersionTheChainWithdrew() throws Exception {
        var v1 = TestDocker.image("v1");
        var v2 = TestDocker.image("v2");
        var v4 = TestDocker.image("v4");
        var nodeId = node();
        containers.remove(NODE);
        try (var chain = TestBeacon.start()) {
            chain.publish(1, v1.version(), v1.tagged(), v1.digest());
            chain.publish(1, v2.version(), v2.tagged(), v2.digest());
            chain.publish(1, v4.version(), v4.tagged(), v4.digest());
            chain.emergencyRollback(1, 1); // back on 1.0.0 (#1): 2.0.0 (#2) and 4.0.0 (#3) withdrawn
            var config = onV4AfterV2(nodeId, chain, "withdrawn-previous"); // its operator's lock kept it there
            var file = dir.resolve("agent-withdrawn-previous.properties").toString();
            var started = startedAt();

            var refused = AgentEndToEndTest.command("rollback", "", "--config", file, "--yes");
            assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err()).contains("ORACLE 2.0.0 is withdrawn on the VersionBeacon (an emergency rollback "
                    + "took the tier back to version #1)").contains("Nothing changed");
            assertThat(startedAt()).as("the running container is untouched").isEqualTo(started);
            assertThat(config.lockFile()).as("no hold written").doesNotExist();
        }
    }

    /**
     * The node on 4.0.0 with 2.0.0 recorded as its previous version (what {@code noderr-agent rollback} would go back
     * to), against {@code chain}; the agent's config with the state directory {@code state}.
     */
    private AgentConfig onV4AfterV2(String nodeId, TestBeacon chain, String state) throws Exception {
        var config = config(nodeId, chain, state, "PT0S");
        Files.createDirectories(config.stateDir());
        Files.writeString(config.stateDir().resolve("previous-version.json"), "{\"version\":\"2.0.0\","
                + "\"repository\":\"" + TestDocker.image("v2").repository()
                + "\",\"replacedAt\":\"2026-01-01T00:00:00Z\"}");
        startNode(TestDocker.image("v4"));
        return config;
    }

    private static String nodeId;

    /** The class's one registered node (one key file, so one registration). */
    private static synchronized String node() throws Exception {
        if (nodeId == null) {
            nodeId = registerNode("Chain Agreement Operator");
        }
        return nodeId;
    }

    /**
     * A JSON-RPC endpoint that passes every call to the chain except {@code eth_getLogs}, which it refuses the way RPC
     * providers refuse a log query over too many blocks: a stand-in for a provider's limit, which anvil does not have.
     */
    private static final class LogLimitedRpc implements AutoCloseable {

        private final com.sun.net.httpserver.HttpServer server;

        LogLimitedRpc(String chainRpc) throws java.io.IOException {
            server = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            var http = java.net.http.HttpClient.newHttpClient();
            server.createContext("/", exchange -> {
                var body = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                String answer;
                if (body.contains("\"eth_getLogs\"")) {
                    answer = "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,"
                            + "\"message\":\"query exceeds max block range 10000\"}}";
                } else {
                    try {
                        answer = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(chainRpc))
                                        .header("Content-Type", "application/json")
                                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.IOException(e);
                    }
                }
                var bytes = answer.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** The node's configuration, reading {@code chain} directly, with its own state directory. */
    private static AgentConfig config(String nodeId, TestBeacon chain, String state, String chainWait)
            throws Exception {
        var file = writeConfig(nodeId);
        var lines = Files.readString(file)
                .replaceAll("(?m)^beacon-rpc-url=.*$", "beacon-rpc-url=" + chain.rpcUrl())
                .replaceAll("(?m)^beacon-address=.*$", "beacon-address=" + chain.address())
                .replaceAll("(?m)^state-dir=.*$", "state-dir=" + dir.resolve("state-" + state))
                + "chain-wait=" + chainWait + "\n";
        Path own = dir.resolve("agent-" + state + ".properties");
        Files.writeString(own, lines);
        return AgentConfig.load(own, Map.of());
    }
}
