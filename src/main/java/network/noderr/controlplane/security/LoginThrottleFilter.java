package network.noderr.controlplane.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs before the form login: while {@link LoginThrottle} refuses the address or the username, {@code POST /login}
 * answers 429 with a {@code Retry-After} header without checking the password, and the session remembers the message
 * for the login view ({@link LoginStatusService}). A refusal is logged and audited at most once a minute per address
 * and username, so a flood of attempts cannot flood the log.
 */
final class LoginThrottleFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(LoginThrottleFilter.class);
    private static final int TOO_MANY_REQUESTS = 429;
    static final String REFUSAL_ATTRIBUTE = LoginThrottleFilter.class.getName() + ".refusal";

    private final RequestMatcher login = PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, "/login");
    private final LoginThrottle throttle;
    private final ApplicationEventPublisher events;
    private final Cache<String, Boolean> reported =
            Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

    LoginThrottleFilter(LoginThrottle throttle, ApplicationEventPublisher events) {
        this.throttle = throttle;
        this.events = events;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!login.matches(request)) {
            chain.doFilter(request, response);
            return;
        }
        var username = Objects.requireNonNullElse(request.getParameter("username"), "");
        var address = request.getRemoteAddr();
        var refusal = throttle.refusal(address, username);
        if (refusal.isEmpty()) {
            var session = request.getSession(false);
            if (session != null) {
                session.removeAttribute(REFUSAL_ATTRIBUTE);
            }
            chain.doFilter(request, response);
            return;
        }
        var minutes = Math.max(1, (refusal.get().toSeconds() + 59) / 60);
        var message = "Too many failed logins: try again in " + minutes + (minutes == 1 ? " minute." : " minutes.");
        if (reported.asMap().putIfAbsent(address + "|" + username, Boolean.TRUE) == null) {
            log.warn("Dashboard login for user '{}' from {} refused: too many failed logins, retry in {}s",
                    username, address, refusal.get().toSeconds());
            events.publishEvent(new AccessRefused(username.isBlank() ? "anonymous" : username,
                    "POST /login: too many failed logins", TOO_MANY_REQUESTS, address));
        }
        request.getSession(true).setAttribute(REFUSAL_ATTRIBUTE, message);
        response.setStatus(TOO_MANY_REQUESTS);
        response.setHeader("Retry-After", Long.toString(Math.max(1, refusal.get().toSeconds())));
        response.setContentType("text/plain;charset=UTF-8");
        response.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
    }
}
