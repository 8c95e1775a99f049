package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What a page of another site can do with a visitor's browser: not log it in (login CSRF: the login form's post needs
 * the session's CSRF token) and not open the dashboard's push WebSocket with the visitor's session (the handshake's
 * {@code Origin} must be this site). An IT: the login page, which carries the CSRF token, is in the production
 * frontend bundle only.
 */
@IntegrationTest
class CrossSiteIT {

    private static final String EVIL = "https://evil.example";
    private static final String USER = "cross-site-viewer";
    private static final String PASSWORD = USER + "-password";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @BeforeEach
    void user() {
        if (users.findByUsername(USER).isEmpty()) {
            users.create(USER, PASSWORD, Role.VIEWER);
        }
    }

    /** Whether the client's session is logged in, as the dashboard asks it. */
    private static boolean loggedIn(DashboardClient client) throws Exception {
        client.openLoginPage(); // the session's CSRF token for the call
        var info = client.call("CurrentUserService", "getUserInfo", "{}");
        assertThat(info.statusCode()).isEqualTo(200);
        return info.body().contains(USER);
    }

    @Test
    void anotherSitesFormCannotLogTheVisitorIn() throws Exception {
        var visitor = new DashboardClient(port);
        var response = visitor.postLoginFrom(EVIL, USER, PASSWORD, null);
        assertThat(response.statusCode()).as("refused, sent to the login page").isIn(302, 403);
        assertThat(response.headers().firstValue("location"))
                .hasValueSatisfying(to -> assertThat(to).as("not to the start page").contains("/login"));
        assertThat(loggedIn(visitor)).isFalse();
    }

    @Test
    void aCsrfTokenOfAnotherSessionDoesNotLogInEither() throws Exception {
        var attacker = new DashboardClient(port);
        attacker.openLoginPage();
        var visitor = new DashboardClient(port);
        visitor.openLoginPage(); // the visitor has a session of their own, with another token
        visitor.postLoginFrom(EVIL, USER, PASSWORD, attacker.csrfToken());
        assertThat(loggedIn(visitor)).isFalse();
    }

    @Test
    void theLoginPageItselfLogsIn() throws Exception {
        var client = new DashboardClient(port);
        var response = client.login(USER, PASSWORD);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("result")).hasValue("success");
        assertThat(loggedIn(client)).isTrue();
    }

    /** Opens a WebSocket handshake to the push endpoint by hand; returns the response's status line. */
    private String pushHandshake(String origin, String cookie) throws Exception {
        try (var socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            var request = new StringBuilder()
                    .append("GET /HILLA/push?X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=3.1.3-javascript"
                            + "&X-Atmosphere-Transport=websocket&X-atmo-protocol=true HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
                    .append("Cookie: ").append(cookie).append("\r\n");
            if (origin != null) {
                request.append("Origin: ").append(origin).append("\r\n");
            }
            socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    @Test
    void thePushSocketOpensOnlyFromThisSite() throws Exception {
        var client = new DashboardClient(port);
        assertThat(client.login(USER, PASSWORD).statusCode()).isEqualTo(200);
        var cookie = client.sessionCookie();

        assertThat(pushHandshake(EVIL, cookie)).as("another site").startsWith("HTTP/1.1 403");
        assertThat(pushHandshake("null", cookie)).as("an opaque origin").startsWith("HTTP/1.1 403");
        assertThat(pushHandshake("http://localhost:" + (port + 1), cookie)).as("another port")
                .startsWith("HTTP/1.1 403");
        assertThat(pushHandshake("http://localhost:" + port, cookie)).as("this site").startsWith("HTTP/1.1 101");
        // No browser page sends a handshake without Origin; a client that does holds the cookie itself.
        assertThat(pushHandshake(null, cookie)).as("no Origin").startsWith("HTTP/1.1 101");

        // Push's other transports are plain requests: refused from another site too, also on a path with a letter
        // percent-encoded (the same endpoint to the server).
        for (var path : new String[] {"/HILLA/push", "/%48ILLA/push"}) {
            assertThat(pushPoll(path, EVIL, cookie)).as("long polling on %s from another site", path)
                    .startsWith("HTTP/1.1 403");
        }
    }

    /** A long-polling request to the push endpoint, by hand; returns the response's status line. */
    private String pushPoll(String path, String origin, String cookie) throws Exception {
        try (var socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            var request = "GET " + path + "?X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=3.1.3-javascript"
                    + "&X-Atmosphere-Transport=long-polling&X-atmo-protocol=true HTTP/1.1\r\n"
                    + "Host: localhost:" + port + "\r\nCookie: " + cookie + "\r\nOrigin: " + origin
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }
}
