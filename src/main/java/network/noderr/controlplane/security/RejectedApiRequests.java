package network.noderr.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * A request Spring Security's firewall refuses before any filter chain (a path with {@code ;}, {@code //}, an encoded
 * {@code .} or {@code /}, a {@code ..} segment, a header with control characters) under {@code /api/} or
 * {@code /actuator/}: a 400 {@code invalid-request} problem, like any bad API request. Without this the refusal went to
 * the container's error page, which the dashboard's chain answered with a redirect to its login page. Other paths
 * keep Spring's handling (the exception goes to the container).
 */
class RejectedApiRequests implements RequestRejectedHandler {

    private final ProblemResponses problems;

    RejectedApiRequests(ProblemResponses problems) {
        this.problems = problems;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response,
            RequestRejectedException requestRejectedException) throws IOException {
        if (!api(request.getRequestURI())) {
            throw requestRejectedException;
        }
        problems.write(request, response, 400, "invalid-request", "Invalid request",
                "The request was refused: its path or a header holds something the API never takes (a ';', '//', "
                        + "an encoded '.' or '/', a '..' segment, or control characters).");
    }

    /** Whether the raw request URI is under the APIs ({@code //api/…} too: leading slashes are collapsed). */
    static boolean api(String uri) {
        var path = uri.replaceFirst("^/+", "/");
        return path.startsWith("/api/") || path.startsWith("/actuator/");
    }
}
