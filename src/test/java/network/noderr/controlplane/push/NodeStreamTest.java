package network.noderr.controlplane.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
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
        var before = stream.connected(Tier.ORACLE);
        var socket = connect(node[1], messages);
        // The client's handshake completes a moment before the server has registered the session: a change made in
        // between would not be pushed to it.
        Awaitility.await("the node is registered on the stream").atMost(Duration.ofSeconds(10))
                .until(() -> stream.connected(Tier.ORACLE) > before);
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
        var builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/nodes/stream"),
                new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            messages.add(text.toString());
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
    }
}
