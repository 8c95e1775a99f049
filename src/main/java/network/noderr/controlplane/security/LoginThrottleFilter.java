package network.noderr.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * and username, so a flood of attempts cannot flood the log ({@link CollapsedReports}: the further refusals of that
 * minute are counted into one summary entry). When the throttle cannot be read in time (PostgreSQL, where its buckets
 * are, is locked or slow) the attempt answers 503 with {@code Retry-After}, also without checking the password.
 */
final class LoginThrottleFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(LoginThrottleFilter.class);
    private static final int TOO_MANY_REQUESTS = 429;
    private static final int SERVICE_UNAVAILABLE = 503;
    private static final java.time.Duration UNAVAILABLE_RETRY = java.time.Duration.ofSeconds(5);
    private static final String REFUSED_ACTION = "POST /login: too many failed logins";
    static final String REFUSAL_ATTRIBUTE = LoginThrottleFilter.class.getName() + ".refusal";

    private final RequestMatcher login = PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, "/login");
    private final LoginThrottle throttle;
    private final ApplicationEventPublisher events;
    private final CollapsedReports reported;

    LoginThrottleFilter(LoginThrottle throttle, ApplicationEventPublisher events) {
        this.throttle = throttle;
        this.events = events;
        this.reported = new CollapsedReports(10_000, (key, more) -> {
            var split = key.indexOf('|');
            var address = split < 0 ? key : key.substring(0, split);
            var username = split < 0 ? "" : key.substring(split + 1);
            events.publishEvent(new AccessRefused(throttle.recordedName(username), REFUSED_ACTION, TOO_MANY_REQUESTS,
                    address,
                    more + (more == 1 ? " more attempt" : " more attempts") + " refused in the minute after the "
                            + "entry recorded for this " + (CollapsedReports.OVERFLOW.equals(key)
                                    ? "limit of addresses and usernames" : "address and username")));
        });
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
        java.util.Optional<java.time.Duration> refusal;
        try {
            refusal = throttle.refusal(address, username);
        } catch (org.springframework.dao.TransientDataAccessException e) {
            // Not counted, not checked: the password is not tried while the throttle cannot be read.
            log.warn("Dashboard login for user '{}' from {} refused: the login throttle could not be read ({})",
                    throttle.recordedName(username), address, e.getMessage());
            refuse(request, response, SERVICE_UNAVAILABLE, UNAVAILABLE_RETRY,
                    "Login is unavailable for a moment: try again in a few seconds.");
            return;
        }
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
        if (reported.first(address + "|" + username)) {
            var who = throttle.recordedName(username);
            log.warn("Dashboard login for user '{}' from {} refused: too many failed logins, retry in {}s", who,
                    address, refusal.get().toSeconds());
            events.publishEvent(new AccessRefused(who, REFUSED_ACTION, TOO_MANY_REQUESTS, address));
        }
        refuse(request, response, TOO_MANY_REQUESTS, refusal.get(), message);
    }

    /** Answers without the login: the status, {@code Retry-After}, and the message, also kept for the login view. */
    private static void refuse(HttpServletRequest request, HttpServletResponse response, int status,
            java.time.Duration retryAfter, String message) throws IOException {
        request.getSession(true).setAttribute(REFUSAL_ATTRIBUTE, message);
        response.setStatus(status);
        response.setHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
        response.setContentType("text/plain;charset=UTF-8");
        response.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
    }
}
