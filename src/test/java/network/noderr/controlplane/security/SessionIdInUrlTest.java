package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard's session id travels in its cookie only: never in a URL (a redirect's {@code Location}), from where it
 * would reach browser histories, proxy logs and {@code Referer} headers. The servlet container's default also tracks
 * sessions by URL, and wrote {@code ;jsessionid=…} into the redirect of a first request without a cookie.
 */
@IntegrationTest
class SessionIdInUrlTest {

    @LocalServerPort
    int port;

    @Test
    void aRedirectNeverCarriesTheSessionId() throws Exception {
        var http = HttpClient.newHttpClient(); // no cookie store: every request is a first one
        // A login post without the CSRF token (as a page of another site would send it): refused with a redirect to
        // the login page, after the refusal created a session.
        var login = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=wrong"))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("set-cookie")).as("the session is in its cookie")
                .hasValueSatisfying(cookie -> assertThat(cookie).startsWith("JSESSIONID="));
        assertThat(login.headers().firstValue("location")).hasValueSatisfying(location ->
                assertThat(location.toLowerCase(java.util.Locale.ROOT)).doesNotContain("jsessionid"));
    }
}
