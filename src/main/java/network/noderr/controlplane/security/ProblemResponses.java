package network.noderr.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import network.noderr.controlplane.shared.ProblemException;
import java.io.IOException;
import java.net.URI;
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

    private final JsonMapper json;
    private final @Nullable ApplicationEventPublisher events;

    ProblemResponses(JsonMapper json) {
        this(json, null);
    }

    /** With {@code events}: refused management-API changes are published as {@link AccessRefused}. */
    ProblemResponses(JsonMapper json, @Nullable ApplicationEventPublisher events) {
        this.json = json;
        this.events = events;
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
        if (events == null || !request.getRequestURI().startsWith("/api/v1/admin/")
                || !CHANGING.contains(request.getMethod())) {
            return;
        }
        var auth = SecurityContextHolder.getContext().getAuthentication();
        var actor = auth == null || auth instanceof AnonymousAuthenticationToken ? "anonymous" : auth.getName();
        events.publishEvent(new AccessRefused(actor, request.getMethod() + " " + request.getRequestURI(),
                status.value(), request.getRemoteAddr()));
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
