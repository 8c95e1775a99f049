package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import network.noderr.agent.TcpRelay;
import network.noderr.agent.TestControlPlane;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.api.NodeSigner;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The push channel to the real control plane (its packaged jar) through a TCP relay: the control plane answers the
 * client's pings, and a connection that goes silent without closing (the relay drops everything on it) is noticed
 * and replaced; a handshake refused with 401 makes the agent log in again.
 */
class PushClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aSilentConnectionIsNoticedAndReplaced() throws Exception {
        var controlPlane = TestControlPlane.shared();
        var key = dir.resolve("node-key.pem");
        var nodeId = controlPlane.registerNode(controlPlane.installToken("ALL", "Push Operator"), "ALL", key,
                "push-host");
        var timing = new PushClient.Timing(Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofSeconds(60));
        try (var relay = new TcpRelay("127.0.0.1", controlPlane.base().getPort())) {
            var api = new ControlPlane(URI.create("http://127.0.0.1:" + relay.port()), nodeId,
                    NodeSigner.keyFile(key), Clock.systemUTC());
            api.streamToken(); // logged in: reconnects need no new login
            try (var push = new PushClient(api, type -> {}, timing)) {
                push.start();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(push::connected);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> push.pongs() >= 3);
                assertThat(push.opened()).as("pings answered: the connection stays").isEqualTo(1);
                assertThat(push.connected()).isTrue();

                relay.blackhole(); // the connection stays open, but nothing goes through it any more
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> push.opened() >= 2);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(push::connected);
                long pongs = push.pongs();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> push.pongs() > pongs);
            }
        }
    }

    /** A row of {@code jwt_signing_keys}, as a backup holds it. */
    private record StoredKey(String kid, String jwk, Timestamp createdAt, @Nullable Timestamp retiredAt) {}

    private static List<StoredKey> signingKeys(Connection db) throws Exception {
        try (var statement = db.createStatement();
                var rows = statement.executeQuery("SELECT kid, jwk, created_at, retired_at FROM jwt_signing_keys")) {
            var keys = new ArrayList<StoredKey>();
            while (rows.next()) {
                keys.add(new StoredKey(rows.getString(1), rows.getString(2), rows.getTimestamp(3),
                        rows.getTimestamp(4)));
            }
            return keys;
        }
    }

    /** Puts the signing keys back as {@code backup} holds them, as restoring that backup would. */
    private static void restore(Connection db, List<StoredKey> backup) throws Exception {
        db.setAutoCommit(false);
        try (var delete = db.createStatement();
                var insert = db.prepareStatement(
                        "INSERT INTO jwt_signing_keys (kid, jwk, created_at, retired_at) VALUES (?, ?, ?, ?)")) {
            delete.executeUpdate("DELETE FROM jwt_signing_keys");
            for (var key : backup) {
                insert.setString(1, key.kid());
                insert.setString(2, key.jwk());
                insert.setTimestamp(3, key.createdAt());
                insert.setTimestamp(4, key.retiredAt());
                insert.executeUpdate();
            }
            db.commit();
        } finally {
            db.setAutoCommit(true);
        }
    }

    private static String kid(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.')))).get("kid")
                .asText();
    }

    /** The status a node endpoint answers to {@code token}. */
    private static int statusFor(URI base, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/api/v1/beacon"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /**
     * The control plane's database is restored from a backup taken before a signing-key rotation, so the key that
     * signed the node's token is gone and the control plane refuses that token (401) although it has not expired.
     * The stream's next handshake is refused with it; the agent drops the token, and its next attempt logs in again
     * (a token signed by the restored key) and opens the stream.
     */
    @Test
    void aTokenRefusedAtTheHandshakeIsDroppedAndTheNextAttemptLogsInAgain() throws Exception {
        var controlPlane = TestControlPlane.shared();
        var key = dir.resolve("node-key.pem");
        var nodeId = controlPlane.registerNode(controlPlane.installToken("ALL", "Refused Operator"), "ALL", key,
                "refused-host");
        var timing = new PushClient.Timing(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(100),
                Duration.ofMillis(500), Duration.ofSeconds(60));
        try (var db = controlPlane.database(); var relay = new TcpRelay("127.0.0.1", controlPlane.base().getPort())) {
            // A login first, so that the control plane has a signing key, which the backup holds.
            new ControlPlane(controlPlane.base(), nodeId, NodeSigner.keyFile(key), Clock.systemUTC()).streamToken();
            var backup = signingKeys(db);
            var restoredKid = backup.stream().filter(k -> k.retiredAt() == null).findFirst().orElseThrow().kid();

            var rotatedKid = controlPlane.post("/api/v1/admin/node-token-keys/rotate", Map.of(), 200).get("keyId")
                    .asText();
            var api = new ControlPlane(URI.create("http://127.0.0.1:" + relay.port()), nodeId,
                    NodeSigner.keyFile(key), Clock.systemUTC());
            var refusedToken = api.streamToken();
            assertThat(kid(refusedToken)).isEqualTo(rotatedKid);
            try (var push = new PushClient(api, type -> {}, timing)) {
                push.start();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(push::connected);

                restore(db, backup);
                // The control plane re-reads its keys within its refresh (docs/api.md); then it refuses the token.
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> statusFor(controlPlane.base(), refusedToken) == 401);
                long failedBefore = push.failedAttempts();
                relay.cut(); // the stream drops; the agent opens another with the token it holds
                relay.restore();

                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> push.opened() >= 2 && push.connected());
                assertThat(push.failedAttempts()).as("the handshake with the refused token")
                        .isGreaterThan(failedBefore);
                var newToken = api.streamToken();
                assertThat(newToken).as("logged in again").isNotEqualTo(refusedToken);
                assertThat(kid(newToken)).as("signed by the restored key").isEqualTo(restoredKid);
            }
        }
    }
}
