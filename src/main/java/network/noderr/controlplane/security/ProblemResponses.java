package network.noderr.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import network.noderr.controlplane.shared.ProblemException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import network.noderr.controlplane.shared.RequestPaths;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/** 401 and 403 on the API as RFC 9457 problem+json with stable types, never an HTML page or a stack trace. */
class ProblemResponses implements AuthenticationEntryPoint, AccessDeniedHandler {

    static final URI UNAUTHORIZED = URI.create(ProblemException.TYPE_BASE + "unauthorized");
    static final URI FORBIDDEN = URI.create(ProblemException.TYPE_BASE + "forbidden");

    private static final java.util.Set<String> CHANGING = java.util.Set.of("POST", "PUT", "PATCH", "DELETE");

    /** Distinct source addresses (or IPv6 /64 networks) whose anonymous refusals are audited each minute. */
    static final int ANONYMOUS_SOURCES_PER_MINUTE = 100;

    /**
     * Refused changes of one authenticated user (a VIEWER's, say) audited one by one each minute; the rest of that
     * minute is counted into one summary entry. Far more than a person clicking; bounds what a script can write.
     */
    static final int USER_REFUSALS_PER_MINUTE = 30;

    /** Distinct users whose refusals are tracked each minute (beyond it they share one summary). */
    static final int USERS_PER_MINUTE = 10_000;

    private final JsonMapper json;
    private final @Nullable ApplicationEventPublisher events;
    private final @Nullable CollapsedReports anonymous;
    private final @Nullable CollapsedReports users;

    ProblemResponses(JsonMapper json) {
        this(json, null);
    }

    /**
     * With {@code events}: refused management-API changes are published as {@link AccessRefused}. Those of an
     * authenticated caller up to {@link #USER_REFUSALS_PER_MINUTE} a minute per user; anonymous ones (no or an
     * unknown token: anyone can send them, as fast as they like) once a minute per source address. The rest of that
     * minute is counted into one summary entry.
     */
    ProblemResponses(JsonMapper json, @Nullable ApplicationEventPublisher events) {
        this.json = json;
        this.events = events;
        this.anonymous = events == null ? null
                : new CollapsedReports(ANONYMOUS_SOURCES_PER_MINUTE, (source, more) -> events.publishEvent(
                        AccessRefused.collapsed(source, more)));
        this.users = events == null ? null
                : new CollapsedReports(USERS_PER_MINUTE, USER_REFUSALS_PER_MINUTE, (user, more) -> events.publishEvent(
                        AccessRefused.collapsedOfUser(user, more)));
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        response.setHeader("WWW-Authenticate", "Bearer");
        refused(request, HttpStatus.UNAUTHORIZED);
        write(request, response, HttpStatus.UNAUTHORIZED, UNAUTHORIZED, "Authentication required",
                "Send a valid token in the 'Authorization: Bearer <token>' header.");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        refused(request, HttpStatus.FORBIDDEN);
        write(request, response, HttpStatus.FORBIDDEN, FORBIDDEN, "Forbidden",
                "Your role does not allow this request.");
    }

    private void refused(HttpServletRequest request, HttpStatus status) {
        if (events == null || !RequestPaths.of(request).startsWith("/api/v1/admin/")
                || !CHANGING.contains(request.getMethod())) {
            return;
        }
        var auth = SecurityContextHolder.getContext().getAuthentication();
        var isAnonymous = auth == null || auth instanceof AnonymousAuthenticationToken;
        var actor = isAnonymous ? AccessRefused.ANONYMOUS : auth.getName();
        var collapsed = isAnonymous ? anonymous : users;
        if (collapsed != null && !collapsed.first(isAnonymous ? source(request.getRemoteAddr()) : actor)) {
            return;
        }
        events.publishEvent(new AccessRefused(actor, request.getMethod() + " " + RequestPaths.of(request),
                status.value(), request.getRemoteAddr()));
    }

    /**
     * The source a flood is counted by: the address, or for IPv6 its /64 network (one host commonly holds a whole
     * /64, so counting single addresses would not bound anything).
     */
    static String source(String remoteAddress) {
        try {
            // Only an IPv6 literal (it has a colon) is parsed; getByName does not look a literal up.
            if (remoteAddress.indexOf(':') >= 0 && InetAddress.getByName(remoteAddress) instanceof Inet6Address v6) {
                var network = java.util.Arrays.copyOf(v6.getAddress(), 16);
                java.util.Arrays.fill(network, 8, 16, (byte) 0);
                return InetAddress.getByAddress(network).getHostAddress() + "/64";
            }
        } catch (java.net.UnknownHostException e) {
            // not an address literal: count it as it is
        }
        return remoteAddress;
    }

    /** Writes a problem with a type under the project's problem base URI. */
    void write(HttpServletRequest request, HttpServletResponse response, int status, String type, String title,
            String detail) throws IOException {
        write(request, response, HttpStatus.valueOf(status), URI.create(ProblemException.TYPE_BASE + type), title,
                detail);
    }

    private void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, URI type,
            String title, String detail) throws IOException {
        var problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        problem.setInstance(URI.create(request.getRequestURI()));
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
