package network.noderr.controlplane;

import java.io.IOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A browser-like HTTP client for the dashboard: logs in through the real login form (session cookie + CSRF token)
 * and calls Hilla browser-callable services the way the generated TypeScript client does.
 */
public final class DashboardClient {

    private static final Pattern CSRF_META = Pattern.compile("<meta name=\"_csrf\" content=\"([^\"]+)\"");

    private final String baseUrl;
    private final HttpClient http;
    private final CookieManager cookies = new CookieManager();
    private String csrfToken;

    public DashboardClient(int port) {
        this(port, null);
    }

    /** A client whose connections come from {@code localAddress} (e.g. 127.0.0.21), for per-address limits. */
    public DashboardClient(int port, InetAddress localAddress) {
        // A bound local IPv4 address needs an IPv4 server address.
        this.baseUrl = (localAddress == null ? "http://localhost:" : "http://127.0.0.1:") + port;
        var builder = HttpClient.newBuilder()
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (localAddress != null) {
            builder.localAddress(localAddress);
        }
        this.http = builder.build();
    }

    /** Posts the login form; returns the HTTP status of the login response. */
    public HttpResponse<String> login(String username, String password) throws IOException, InterruptedException {
        refreshCsrf();
        var form = "username=" + enc(username) + "&password=" + enc(password) + "&_csrf=" + enc(csrfToken);
        var response = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        // As Hilla's login(): answers with a status instead of a redirect.
                        .header("source", "typescript")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        refreshCsrf();
        return response;
    }

    /**
     * Posts the login form as another site's page would make the browser post it: from {@code origin}, a plain form
     * (no {@code source} header), with the given CSRF token or none. Keeps the session cookie it gets.
     */
    public HttpResponse<String> postLoginFrom(String origin, String username, String password, String token)
            throws IOException, InterruptedException {
        var form = "username=" + enc(username) + "&password=" + enc(password)
                + (token == null ? "" : "&_csrf=" + enc(token));
        return http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Origin", origin)
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Opens the login page as a browser does before signing in: a session and its CSRF token, no user. */
    public void openLoginPage() throws IOException, InterruptedException {
        refreshCsrf();
    }

    /** The session cookie as a {@code Cookie} header value ({@code JSESSIONID=…}), for requests made by hand. */
    public String sessionCookie() {
        return cookies.getCookieStore().getCookies().stream()
                .filter(cookie -> cookie.getName().equals("JSESSIONID"))
                .map(cookie -> cookie.getName() + "=" + cookie.getValue())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no session cookie"));
    }

    /** The session's CSRF token, as the login page gave it. */
    public String csrfToken() {
        return csrfToken;
    }

    /** Calls {@code Service.method} with a JSON object of parameters; returns the raw response. */
    public HttpResponse<String> call(String service, String method, String jsonParams)
            throws IOException, InterruptedException {
        return callWithCsrfToken(service, method, jsonParams, csrfToken);
    }

    /** As {@link #call}, but with the given CSRF token instead of the session's. */
    public HttpResponse<String> callWithCsrfToken(String service, String method, String jsonParams, String token)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/connect/" + service + "/" + method))
                        .header("Content-Type", "application/json")
                        .header("X-CSRF-TOKEN", token)
                        .POST(HttpRequest.BodyPublishers.ofString(jsonParams))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void refreshCsrf() throws IOException, InterruptedException {
        var page = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/login")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        var matcher = CSRF_META.matcher(page.body());
        if (!matcher.find()) {
            throw new IllegalStateException("No CSRF token on the login page (status " + page.statusCode() + ")");
        }
        csrfToken = matcher.group(1);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
