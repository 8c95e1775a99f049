package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard's pages carry the security headers: no framing (clickjacking of approve, suspend or rollback
 * buttons), no content sniffing, a content security policy, not cached, no referrer to other sites, no camera and the
 * like; the API's answers the last two as well. The pages are rendered by Vaadin's servlet
 * behind a forward, whose response the container commits past the filters: the headers must be there anyway.
 * An IT: the pages exist only in the production frontend bundle, which the package phase builds.
 */
@IntegrationTest
class SecurityHeadersIT {

    @LocalServerPort
    int port;

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dashboardPagesCannotBeFramedOrSniffed() throws Exception {
        for (var path : new String[] {"/login", "/", "/nodes"}) {
            var page = get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).as(path).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/html"));
            assertThat(page.headers().firstValue("x-frame-options")).as(path).hasValue("DENY");
            assertThat(page.headers().firstValue("x-content-type-options")).as(path).hasValue("nosniff");
            assertThat(page.headers().firstValue("content-security-policy")).as(path).hasValueSatisfying(
                    csp -> assertThat(csp).contains("frame-ancestors 'none'").contains("default-src 'self'"));
            assertThat(page.headers().firstValue("cache-control")).as(path).hasValueSatisfying(
                    value -> assertThat(value).contains("no-store"));
            hasPrivacyHeaders(page, path);
        }
    }

    /** No page address sent to other sites as a referrer; browser features nothing here uses are off. */
    private static void hasPrivacyHeaders(HttpResponse<String> response, String what) {
        assertThat(response.headers().firstValue("referrer-policy")).as(what).hasValue("same-origin");
        assertThat(response.headers().firstValue("permissions-policy")).as(what).hasValueSatisfying(
                policy -> assertThat(policy).contains("camera=()", "microphone=()", "geolocation=()", "usb=()",
                        "payment=()").doesNotContain("clipboard"));
    }

    @Test
    void everyApiAnswersWithThePrivacyHeaders() throws Exception {
        hasPrivacyHeaders(get("/api/v1/health-check"), "management API, public");
        hasPrivacyHeaders(get("/api/v1/admin/nodes"), "management API, refused");
        hasPrivacyHeaders(get("/api/v1/beacon"), "node API, refused");
        hasPrivacyHeaders(get("/api/v1/alerts"), "Alertmanager webhook, refused");
        hasPrivacyHeaders(get("/actuator/health"), "actuator");
    }

    @Test
    void theSessionCookieIsHttpOnlyAndNotSentCrossSite() throws Exception {
        var cookie = get("/login").headers().firstValue("set-cookie");
        assertThat(cookie).hasValueSatisfying(value -> assertThat(value).startsWith("JSESSIONID=")
                .containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax"));
    }

    @Test
    void apiAnswersCannotBeSniffedEither() throws Exception {
        var answer = get("/api/v1/health-check");
        assertThat(answer.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(answer.headers().firstValue("x-frame-options")).hasValue("DENY");
    }
}
