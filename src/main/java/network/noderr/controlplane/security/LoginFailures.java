package network.noderr.controlplane.security;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;

/**
 * Counts each failed dashboard password login (wrong password or unknown user) against {@link LoginThrottle}, and
 * audits it (the username tried and the source address; never the password) so password guessing shows in the audit
 * log. Audited one by one up to {@link ProblemResponses#USER_REFUSALS_PER_MINUTE} a minute per source (an IPv6 /64
 * counts as one); the rest of that minute is counted into one summary entry ({@link CollapsedReports}).
 */
@Component
class LoginFailures {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LoginFailures.class);

    /** The audit log's action for a failed login. */
    static final String ACTION = "POST /login: wrong user name or password";
    private static final int UNAUTHORIZED = 401;

    private final LoginThrottle throttle;
    private final ApplicationEventPublisher events;
    private final CollapsedReports reported;

    LoginFailures(LoginThrottle throttle, ApplicationEventPublisher events) {
        this.throttle = throttle;
        this.events = events;
        this.reported = new CollapsedReports(ProblemResponses.ANONYMOUS_SOURCES_PER_MINUTE,
                ProblemResponses.USER_REFUSALS_PER_MINUTE, (source, more) -> events.publishEvent(new AccessRefused(
                        AccessRefused.ANONYMOUS, "further failed logins", UNAUTHORIZED, source,
                        more + (more == 1 ? " more failed login" : " more failed logins") + " in the minute after the "
                                + "first " + ProblemResponses.USER_REFUSALS_PER_MINUTE + " recorded for "
                                + (CollapsedReports.OVERFLOW.equals(source)
                                        ? "sources beyond the first " + ProblemResponses.ANONYMOUS_SOURCES_PER_MINUTE
                                        : "this source"))));
    }

    @EventListener
    void onBadCredentials(AuthenticationFailureBadCredentialsEvent event) {
        if (event.getAuthentication() instanceof UsernamePasswordAuthenticationToken login
                && login.getDetails() instanceof WebAuthenticationDetails details) {
            var address = details.getRemoteAddress();
            if (reported.first(ProblemResponses.source(address))) {
                String who = AccessRefused.ANONYMOUS;
                try {
                    who = throttle.recordedName(login.getName());
                    events.publishEvent(new AccessRefused(who, ACTION, UNAUTHORIZED, address));
                } catch (org.springframework.dao.DataAccessException e) {
                    // The login has failed anyway; the log has it.
                    log.warn("A failed dashboard login for user '{}' from {} could not be audited: {}", who, address,
                            e.getMessage());
                }
            }
            try {
                throttle.failed(address, login.getName());
            } catch (org.springframework.dao.TransientDataAccessException e) {
                // The login has failed anyway; the next attempt is refused with 503 while the throttle is unreadable.
                log.warn("A failed dashboard login from {} could not be counted: {}", address, e.getMessage());
            }
        }
    }
}
