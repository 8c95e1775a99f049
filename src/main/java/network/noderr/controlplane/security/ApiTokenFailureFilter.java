package network.noderr.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Predicate;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Before bearer authentication: a source that used up its budget of refused API tokens ({@link ApiTokenFailures})
 * gets 429 for every request that carries one, without a database lookup, unless it is a token accepted lately
 * ({@link ApiTokenFailures#passes}).
 */
class ApiTokenFailureFilter extends OncePerRequestFilter {

    private final ApiTokenFailures failures;
    private final ProblemResponses problems;
    private final Predicate<HttpServletRequest> presentsApiToken;

    /** @param presentsApiToken whether the request's bearer token is looked up as an API token in this chain */
    ApiTokenFailureFilter(ApiTokenFailures failures, ProblemResponses problems,
            Predicate<HttpServletRequest> presentsApiToken) {
        this.failures = failures;
        this.problems = problems;
        this.presentsApiToken = presentsApiToken;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (presentsApiToken.test(request)) {
            var refusal = failures.refusal(request.getRemoteAddr());
            if (refusal.isPresent() && !failures.passes(token(request))) {
                refuse(request, response, problems, refusal.get());
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private static String token(HttpServletRequest request) {
        return request.getHeader("Authorization").substring("Bearer ".length()).strip();
    }

    /** 429 with {@code Retry-After} for a source that used up its budget of refused credentials. */
    static void refuse(HttpServletRequest request, HttpServletResponse response, ProblemResponses problems,
            java.time.Duration wait) throws IOException {
        var seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        problems.write(request, response, 429, "rate-limited", "Too many requests",
                "Too many requests with unknown, revoked or expired tokens or secrets came from this address. Try "
                        + "again in " + seconds + " s with a valid one.");
    }
}
