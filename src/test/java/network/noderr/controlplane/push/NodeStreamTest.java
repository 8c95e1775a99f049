package network.noderr.controlplane.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.rollouts.NewRelease;
import network.noderr.controlplane.rollouts.Rollouts;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The node push stream: a node connected with its token hears CHECK_NOW when its tier's rollout changes, through
 * PostgreSQL LISTEN/NOTIFY (the path other replicas' changes take too); a connection without a node token is
 * refused. Uses tier ORACLE and aborts its rollouts after each test.
 */
@IntegrationTest
class NodeStreamTest {

    @LocalServerPort
    int port;

    @Autowired
    Applications applications;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    NodeStream stream;

    @AfterEach
    void abort() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = 'ORACLE' AND status IN ('active', 'paused')")
                .update();
    }

    @Test
    void aConnectedNodeHearsCheckNowWhenItsTierChanges() throws Exception {
        var node = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(), Tier.ORACLE);
        var messages = new LinkedBlockingQueue<String>();
        var socket = connect(node[1], messages);
        // The client's handshake completes a moment before the server has registered the session: a change made in
        // between would not be pushed to it. Counted for this node: the tier's count also falls meanwhile when the
        // server sees streams an earlier test dropped closing.
        Awaitility.await("the node is registered on the stream").atMost(Duration.ofSeconds(10))
                .until(() -> stream.streams(node[0]) == 1);
        try {
            abort();
            var version = "6." + (System.nanoTime() % 100_000) + ".0";
            var view = rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                    "sha256:" + "e".repeat(64), "0x" + "f".repeat(64), null), RolloutConfig.DEFAULT,
                    RolloutThresholds.DEFAULT, "test");

            var message = messages.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("pushed after the commit").isNotNull()
                    .contains("\"type\":\"CHECK_NOW\"").contains("\"tier\":\"ORACLE\"").contains(version);

            rollouts.promote(view.id(), "test");
            assertThat(messages.poll(10, TimeUnit.SECONDS)).contains("CHECK_NOW");
        } finally {
            socket.abort();
        }
    }

    /**
     * An emergency rollback's push names the target as the version query answers it (image reference and digest), so
     * that a node can follow it without asking, and comes without a CHECK_NOW; a CHECK_NOW names no image. A node that then reports the update without
     * having asked is recorded with the rollback's version as its target, as the query would have recorded it.
     */
    @Test
    void anEmergencyRollbackIsPushedWithItsTargetsImageAndNeedsNoVersionQuery() throws Exception {
        var api = new ApiClient(port);
        var node = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ORACLE);
        var messages = new LinkedBlockingQueue<String>();
        var socket = connect(node[1], messages);
        Awaitility.await("the node is registered on the stream").atMost(Duration.ofSeconds(10))
                .until(() -> stream.streams(node[0]) == 1);
        var minor = System.nanoTime() % 100_000;
        var older = "6." + minor + ".3";
        var newer = "6." + minor + ".4";
        var olderDigest = "sha256:" + "a".repeat(63) + "3";
        try {
            abort();
            startWithDigest(older, olderDigest);
            abort();
            startWithDigest(newer, "sha256:" + "b".repeat(63) + "4");
            var checkNow = json(next(messages, "CHECK_NOW", newer));
            assertThat(checkNow.path("version").asString()).isEqualTo(newer);
            assertThat(checkNow.has("imageDigest")).as("a CHECK_NOW names no image").isFalse();
            assertThat(checkNow.has("dockerImageTag")).isFalse();

            rollouts.applyRollback(Tier.ORACLE, older, "bad release", "test",
                    network.noderr.controlplane.rollouts.RolloutTransitioned.Cause.REQUEST);

            var rollback = json(next(messages, "ROLLBACK", older));
            assertThat(rollback.path("tier").asString()).isEqualTo("ORACLE");
            assertThat(rollback.path("version").asString()).isEqualTo(older);
            assertThat(rollback.path("dockerImageTag").asString())
                    .isEqualTo("registry.noderr.network/oracle:" + older);
            assertThat(rollback.path("imageDigest").asString()).isEqualTo(olderDigest);
            // The ROLLBACK is the rollback's only announcement: no CHECK_NOW comes with it (which would make every
            // node ask the version query after all). A marker notified after the rollback committed arrives after
            // anything the rollback sent.
            var marker = "marker-" + minor;
            jdbc.sql("SELECT pg_notify(:channel, :payload)")
                    .param("channel", PushFanOut.CHANNEL)
                    .param("payload", "{\"type\":\"CHECK_NOW\",\"tier\":\"ORACLE\",\"versionId\":null,"
                            + "\"version\":\"" + marker + "\"}")
                    .query((rs, i) -> 1)
                    .list();
            var between = new java.util.ArrayList<String>();
            for (var m = messages.poll(10, TimeUnit.SECONDS); m == null || !m.contains(marker);
                    m = messages.poll(10, TimeUnit.SECONDS)) {
                assertThat(m).as("the marker arrives").isNotNull();
                between.add(m);
            }
            assertThat(between).as("pushed with the rollback").noneMatch(m -> m.contains("CHECK_NOW"));
            // What the version query answers while the rollback is in force: the same target.
            var answer = api.get("/api/v1/version/" + node[0] + "?currentVersion=" + newer, node[1]);
            assertThat(answer.text("versionString")).isEqualTo(older);
            assertThat(answer.text("dockerImageTag")).isEqualTo(rollback.path("dockerImageTag").asString());
            assertThat(answer.text("imageDigest")).isEqualTo(olderDigest);
            assertThat(answer.text("updatePriority")).isEqualTo("emergency");

            // A second node follows the push without asking: its one request is the update report.
            var follower = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ORACLE);
            var report = api.post("/api/v1/updates", java.util.Map.of("fromVersion", newer, "toVersion", older,
                    "result", "SUCCEEDED", "durationMs", 1200), follower[1]);
            assertThat(report.status()).isEqualTo(202);
            Awaitility.await("the report is written").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(versionsOf(follower[0])).containsExactly(older, older));

            // A rollback that fails on the node records the target too (its current version stays).
            var failing = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ORACLE);
            jdbc.sql("UPDATE node_versions SET current_version = :v WHERE node_id = :id")
                    .param("v", newer).param("id", failing[0]).update();
            assertThat(api.post("/api/v1/updates", java.util.Map.of("fromVersion", newer, "toVersion", older,
                    "result", "ROLLED_BACK", "durationMs", 1200, "reason", "health window failed"), failing[1])
                    .status()).isEqualTo(202);
            Awaitility.await("the report is written").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(versionsOf(failing[0])).containsExactly(newer, older));
        } finally {
            socket.abort();
            jdbc.sql("DELETE FROM tier_emergencies WHERE tier = 'ORACLE'").update();
            fanOut.deliver("{\"type\":\"CHECK_NOW\",\"tier\":\"ORACLE\",\"versionId\":null,\"version\":\""
                    + newer + "\"}");
        }
    }

    /** The node's current and target version in the registry. */
    private java.util.List<String> versionsOf(String nodeId) {
        return jdbc.sql("SELECT current_version, target_version FROM node_versions WHERE node_id = :id")
                .param("id", nodeId)
                .query((rs, i) -> java.util.Arrays.asList(rs.getString(1), rs.getString(2)))
                .single();
    }

    /** The next message of {@code type} about {@code version} (others are skipped), within 10 s. */
    private static String next(BlockingQueue<String> messages, String type, String version)
            throws InterruptedException {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            var message = messages.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (message != null && message.contains("\"type\":\"" + type + "\"")
                    && message.contains("\"version\":\"" + version + "\"")) {
                return message;
            }
        }
        throw new AssertionError("no " + type + " of " + version + " pushed within 10 s");
    }

    private static tools.jackson.databind.JsonNode json(String message) {
        return tools.jackson.databind.json.JsonMapper.builder().build().readTree(message);
    }

    private void startWithDigest(String version, String digest) {
        rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version, digest,
                "0x" + "f".repeat(64), null), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
    }

    @Autowired
    PushFanOut fanOut;

    /**
     * A replica drops its cached version answer for the tier before it delivers a push: nodes act on the push at
     * once and must get the new state, not the one cached before the change. The change is made directly in the
     * database (as another replica's is, from this replica's view) and its notice delivered.
     */
    @Test
    void aPushDropsTheCachedVersionAnswerBeforeItIsDelivered() {
        var api = new ApiClient(port);
        var node = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ORACLE);
        abort();
        var minor = System.nanoTime() % 100_000;
        var older = "6." + minor + ".1";
        var newer = "6." + minor + ".2";
        try {
            start(older);
            abort();
            start(newer);
            var before = api.get("/api/v1/version/" + node[0] + "?currentVersion=" + newer, node[1]);
            assertThat(before.status()).isEqualTo(200);
            assertThat(before.text("updatePriority")).isNotEqualTo("emergency");

            jdbc.sql("""
                            INSERT INTO tier_emergencies (tier, target_version, reason, created_by, created_at)
                            VALUES ('ORACLE', :v, 'cache check', 'test', now())
                            ON CONFLICT (tier) DO UPDATE SET target_version = EXCLUDED.target_version""")
                    .param("v", older)
                    .update();
            fanOut.deliver("{\"type\":\"ROLLBACK\",\"tier\":\"ORACLE\",\"versionId\":null,\"version\":\""
                    + older + "\"}");

            var after = api.get("/api/v1/version/" + node[0] + "?currentVersion=" + newer, node[1]);
            assertThat(after.text("versionString")).isEqualTo(older);
            assertThat(after.text("updatePriority")).isEqualTo("emergency");
        } finally {
            jdbc.sql("DELETE FROM tier_emergencies WHERE tier = 'ORACLE'").update();
            fanOut.deliver("{\"type\":\"CHECK_NOW\",\"tier\":\"ORACLE\",\"versionId\":null,\"version\":\""
                    + newer + "\"}");
        }
    }

    private void start(String version) {
        rollouts.start(new NewRelease(Tier.ORACLE, version, "registry.noderr.network/oracle:" + version,
                "sha256:" + "e".repeat(64), "0x" + "f".repeat(64), null), RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, "test");
    }

    /**
     * A node suspended while its stream is open gets no further push (a pushed rollback is followed without another
     * request, which the suspension would have refused): its stream is closed instead, and active nodes still hear it.
     */
    @Test
    void aNodeSuspendedWhileConnectedHearsNoMorePushes() throws Exception {
        var api = new ApiClient(port);
        var active = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ORACLE);
        var suspended = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), Tier.ORACLE);
        var activeMessages = new LinkedBlockingQueue<String>();
        var suspendedMessages = new LinkedBlockingQueue<String>();
        var closed = new java.util.concurrent.CompletableFuture<Integer>();
        var sockets = java.util.List.of(connect(active[1], activeMessages, new java.util.concurrent.CompletableFuture<>()),
                connect(suspended[1], suspendedMessages, closed));
        Awaitility.await("both nodes are registered on the stream").atMost(Duration.ofSeconds(10))
                .until(() -> stream.streams(active[0]) == 1 && stream.streams(suspended[0]) == 1);
        try {
            assertThat(api.post("/api/v1/admin/nodes/" + suspended[0] + "/suspend", java.util.Map.of(),
                    IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(200);
            var marker = "suspended-" + (System.nanoTime() % 100_000);
            fanOut.deliver("{\"type\":\"CHECK_NOW\",\"tier\":\"ORACLE\",\"versionId\":null,\"version\":\""
                    + marker + "\"}");

            assertThat(activeMessages.poll(10, TimeUnit.SECONDS)).as("an active node hears it").contains(marker);
            assertThat(closed.get(10, TimeUnit.SECONDS)).as("the suspended node's stream is closed")
                    .isEqualTo(org.springframework.web.socket.CloseStatus.POLICY_VIOLATION.getCode());
            assertThat(suspendedMessages).as("and it heard nothing").isEmpty();
        } finally {
            sockets.forEach(WebSocket::abort);
        }
    }

    /**
     * At most two streams per node (the daemon's, and the agent's {@code check} beside it): a node's token cannot hold
     * any number of connections open on a replica (each costs a socket, buffers and a place in every push of its tier).
     * A third connection of the same node replaces the oldest, which the server closes; the two newest hear pushes.
     */
    @Test
    void aNodeHoldsTwoStreamsANewerOneReplacesTheOldest() throws Exception {
        var node = Onboarding.registerAndLogIn(new ApiClient(port), applications, TestNodeKey.generate(), Tier.ORACLE);
        var firstClosed = new java.util.concurrent.CompletableFuture<Integer>();
        var secondClosed = new java.util.concurrent.CompletableFuture<Integer>();
        var first = connect(node[1], new LinkedBlockingQueue<>(), firstClosed);
        Awaitility.await("the first stream is registered").atMost(Duration.ofSeconds(10))
                .until(() -> stream.streams(node[0]) == 1);
        var secondMessages = new LinkedBlockingQueue<String>();
        var second = connect(node[1], secondMessages, secondClosed);
        Awaitility.await("the second stream is registered beside it").atMost(Duration.ofSeconds(10))
                .until(() -> stream.streams(node[0]) == 2);
        assertThat(firstClosed).as("two streams of a node are allowed").isNotDone();
        var latestMessages = new LinkedBlockingQueue<String>();
        var latest = connect(node[1], latestMessages, new java.util.concurrent.CompletableFuture<>());
        try {
            assertThat(firstClosed.get(10, TimeUnit.SECONDS)).as("the oldest stream is closed by the server")
                    .isEqualTo(NodeStream.REPLACED.getCode());
            Awaitility.await("two streams of the node stay").atMost(Duration.ofSeconds(10))
                    .until(() -> stream.streams(node[0]) == 2);
            assertThat(secondClosed).as("the second stays open").isNotDone();
            var marker = "replaced-" + (System.nanoTime() % 100_000);
            fanOut.deliver("{\"type\":\"CHECK_NOW\",\"tier\":\"ORACLE\",\"versionId\":null,\"version\":\""
                    + marker + "\"}");
            assertThat(latestMessages.poll(10, TimeUnit.SECONDS)).as("the newest stream hears pushes")
                    .contains(marker);
            assertThat(secondMessages.poll(10, TimeUnit.SECONDS)).as("and the second").contains(marker);
        } finally {
            java.util.List.of(first, second, latest).forEach(WebSocket::abort);
        }
    }

    @Test
    void refusesAConnectionWithoutANodeToken() {
        assertThat(handshakeStatus(null)).isEqualTo(401);
        assertThat(handshakeStatus(IntegrationTest.ADMIN_TOKEN)).as("an admin API token is not a node").isEqualTo(403);
    }

    private int handshakeStatus(String token) {
        var thrown = org.assertj.core.api.Assertions.catchThrowable(() -> connect(token, new LinkedBlockingQueue<>()));
        assertThat(thrown).hasCauseInstanceOf(java.net.http.WebSocketHandshakeException.class);
        return ((java.net.http.WebSocketHandshakeException) thrown.getCause()).getResponse().statusCode();
    }

    private WebSocket connect(String token, BlockingQueue<String> messages) throws Exception {
        return connect(token, messages, new java.util.concurrent.CompletableFuture<>());
    }

    /** @param closed completed with the close status the server sends */
    private WebSocket connect(String token, BlockingQueue<String> messages,
            java.util.concurrent.CompletableFuture<Integer> closed) throws Exception {
        return new TestStream(messages, closed, new java.util.concurrent.CompletableFuture<>()).open(port, token);
    }
}
