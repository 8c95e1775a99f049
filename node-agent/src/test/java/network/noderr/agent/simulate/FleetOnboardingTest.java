package network.noderr.agent.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import network.noderr.agent.TestControlPlane;
import org.junit.jupiter.api.Test;

/** How the simulator gets its fleet's application: a refused admin token stops it before anything is submitted. */
class FleetOnboardingTest {

    @Test
    void aRefusedAdminTokenStopsTheFleetBeforeItSubmitsAnApplication() throws Exception {
        var controlPlane = TestControlPlane.shared();
        long before = pendingFleetApplications(controlPlane);
        try (var fleet = new Fleet(new Fleet.Options(controlPlane.base(), "ndr_not_a_token_of_this_control_plane_0000",
                "ORACLE", 2, Duration.ofSeconds(30), 0, 0, "1.0.0"))) {
            assertThatThrownBy(fleet::register).isInstanceOf(IOException.class)
                    .hasMessageContaining("refused the admin token (HTTP 401)")
                    .hasMessageContaining("NODERR_ADMIN_API_TOKEN");
        }
        assertThat(pendingFleetApplications(controlPlane)).as("no application left waiting, no rate limit spent")
                .isEqualTo(before);
    }

    private static long pendingFleetApplications(TestControlPlane controlPlane) throws Exception {
        try (var db = controlPlane.database(); var query = db.createStatement()) {
            var rows = query.executeQuery("SELECT count(*) FROM applications WHERE status = 'PENDING' "
                    + "AND operator_name LIKE 'Simulated fleet%'");
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * The public submission answers 429 while its per-address limit is used up; the fleet waits as long as Retry-After
     * says and applies again. A stand-in control plane answers here: the shared test control plane runs with a limit
     * no test reaches (it applies from one address for every test), and one more control plane with the default limit
     * just to spend it would cost a second database and chain.
     */
    @Test
    void aFleetWhoseApplicationsAreRateLimitedWaitsAndAppliesAgain() throws Exception {
        var submissions = new AtomicInteger();
        var requests = new CopyOnWriteArrayList<String>();
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            var path = exchange.getRequestURI().getPath();
            requests.add(exchange.getRequestMethod() + " " + path);
            int status;
            String body;
            if (path.equals("/api/v1/admin/applications")) {
                status = 200;
                body = "[]";
            } else if (path.equals("/api/v1/applications") && submissions.incrementAndGet() <= 2) {
                exchange.getResponseHeaders().add("Retry-After", "1");
                status = 429;
                body = "{\"type\":\"https://noderr.network/problems/rate-limited\"}";
            } else if (path.equals("/api/v1/applications")) {
                status = 201;
                body = "{\"applicationId\":\"7d1c0a52-3f55-4c89-9a0e-5b6f0c2d9e11\",\"status\":\"PENDING\"}";
            } else {
                status = 200;
                body = "{}";
            }
            var bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try (var fleet = new Fleet(new Fleet.Options(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                "ndr_stand_in", "ALL", 1, Duration.ofSeconds(30), 0, 0, "1.0.0"))) {
            long start = System.nanoTime();
            assertThat(fleet.fleetApplication()).isEqualTo("7d1c0a52-3f55-4c89-9a0e-5b6f0c2d9e11");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited Retry-After twice")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        } finally {
            server.stop(0);
        }
        assertThat(requests).containsExactly("GET /api/v1/admin/applications", "POST /api/v1/applications",
                "POST /api/v1/applications", "POST /api/v1/applications",
                "POST /api/v1/admin/applications/7d1c0a52-3f55-4c89-9a0e-5b6f0c2d9e11/approve");
    }

    @Test
    void retryAfterIsReadInSecondsWithinBounds() {
        assertThat(Fleet.retryAfter(response("120"))).isEqualTo(Duration.ofSeconds(120));
        assertThat(Fleet.retryAfter(response("0"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(Fleet.retryAfter(response("999999"))).isEqualTo(Duration.ofHours(1));
        assertThat(Fleet.retryAfter(response("soon"))).isEqualTo(Duration.ofSeconds(60));
        assertThat(Fleet.retryAfter(response(null))).isEqualTo(Duration.ofSeconds(60));
    }

    private static java.net.http.HttpHeaders response(String retryAfter) {
        return java.net.http.HttpHeaders.of(retryAfter == null ? java.util.Map.of()
                : java.util.Map.of("Retry-After", List.of(retryAfter)), (a, b) -> true);
    }
}
