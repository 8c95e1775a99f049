package network.noderr.controlplane.platform;

import java.net.URI;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.RateLimitExceededException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.exc.DeferredBindingException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Turns API errors into RFC 9457 problem+json with stable types and, for bad input, an {@code errors} map of field
 * to message; a path or query parameter of the wrong type (an unknown tier, a number that is not one) is invalid
 * input too, naming the values allowed, and so is a body field of the wrong type or with an unknown value (an unknown
 * tier), named by its path. Spring MVC's other exceptions (unsupported methods, media types) get their
 * standard problem bodies from the base class. Never a stack trace.
 */
@RestControllerAdvice(basePackages = "network.noderr.controlplane")
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    static final URI INVALID_REQUEST = URI.create(ProblemException.TYPE_BASE + "invalid-request");

    @ExceptionHandler(InvalidRequestException.class)
    ProblemDetail invalidRequest(InvalidRequestException e) {
        var problem = invalid(e.getMessage());
        problem.setProperty("errors", e.fieldErrors());
        return problem;
    }

    @ExceptionHandler(ProblemException.class)
    ProblemDetail problem(ProblemException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(e.status()), e.getMessage());
        problem.setType(e.type());
        problem.setTitle(e.title());
        return problem;
    }

    /**
     * The database did not answer in time or could not be reached (a lock held too long, a statement timeout, no
     * connection): 503 with a problem body the client can retry on, instead of an error page. The cause is logged.
     */
    @ExceptionHandler({TransientDataAccessException.class, RecoverableDataAccessException.class,
            CannotGetJdbcConnectionException.class})
    ResponseEntity<ProblemDetail> databaseUnavailable(DataAccessException e) {
        log.warn("Request failed on the database: {}", e.getMostSpecificCause().toString());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "5")
                .body(problem(new ProblemException(503, "unavailable", "Temporarily unavailable",
                        "The control plane's database did not answer in time; try again shortly.")));
    }

    /**
     * What the database refused as data: a value it cannot store (SQLSTATE class 22, e.g. a NUL character in text)
     * is bad input, 400; a constraint no check before caught (class 23, e.g. a duplicate) is a conflict, 409.
     * Neither says more than that; the cause is logged.
     */
    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> refusedData(DataIntegrityViolationException e) {
        var state = e.getMostSpecificCause() instanceof SQLException sql ? sql.getSQLState() : null;
        log.warn("The database refused a request's data ({}): {}", state, e.getMostSpecificCause().toString());
        if (state != null && state.startsWith("22")) {
            return ResponseEntity.badRequest().body(invalid("The request holds a value that cannot be stored (for "
                    + "example a NUL character, or a number out of range)."));
        }
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem(new ProblemException(409, "conflict",
                "Conflict", "The request conflicts with data stored meanwhile; reload and try again.")));
    }

    /**
     * Anything else a controller did not expect: 500 with a problem body (the stack trace is logged, never sent),
     * instead of the error page the dashboard's login would stand in front of. Access decisions go on to Spring
     * Security, which answers them 401 or 403.
     */
    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<ProblemDetail> unexpected(RuntimeException e) {
        if (e instanceof AccessDeniedException || e instanceof AuthenticationException) {
            throw e;
        }
        log.error("Request failed", e);
        return ResponseEntity.internalServerError().body(problem(new ProblemException(500, "internal-error",
                "Internal error", "The control plane could not handle this request; the error is in its log.")));
    }

    @ExceptionHandler(RateLimitExceededException.class)
    ResponseEntity<ProblemDetail> rateLimited(RateLimitExceededException e) {
        var problem = problem(new ProblemException(429, "rate-limited", "Too many requests", e.getMessage()));
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, e.retryAfter().toSeconds())))
                .body(problem);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        var errors = new LinkedHashMap<String, String>();
        e.getBindingResult().getFieldErrors().forEach(f -> errors.putIfAbsent(f.getField(), message(f)));
        e.getBindingResult().getGlobalErrors().forEach(g -> errors.putIfAbsent(g.getObjectName(), g.getDefaultMessage()));
        var problem = invalid("Some fields are missing or invalid: " + String.join(", ", errors.keySet()) + ".");
        problem.setProperty("errors", errors);
        return ResponseEntity.badRequest().body(problem);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        var name = e instanceof MethodArgumentTypeMismatchException m ? m.getName() : e.getPropertyName();
        if (name == null) {
            name = "parameter";
        }
        var message = expected(e.getRequiredType());
        var problem = invalid(name + " " + message + ".");
        problem.setProperty("errors", Map.of(name, message));
        return ResponseEntity.badRequest().body(problem);
    }

    /**
     * A field error's message; for a value that could not be converted (a query parameter bound to a filter object),
     * what it must be instead of the converter's text, which names Java types and echoes the value.
     */
    private static @Nullable String message(FieldError f) {
        if (!f.isBindingFailure()) {
            return f.getDefaultMessage();
        }
        try {
            return expected(f.unwrap(TypeMismatchException.class).getRequiredType());
        } catch (IllegalArgumentException notAConversion) {
            return "has the wrong type";
        }
    }

    /**
     * Spring MVC's own problems (an unsupported method or media type, an Accept header it cannot serve) get a stable
     * type like every other error instead of none ({@code about:blank}).
     */
    @Override
    protected @Nullable ResponseEntity<Object> handleExceptionInternal(Exception e, @Nullable Object body,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        var entity = super.handleExceptionInternal(e, body, headers, status, request);
        if (entity != null && entity.getBody() instanceof ProblemDetail problem && (problem.getType() == null
                || "about:blank".equals(problem.getType().toString()))) {
            problem.setType(URI.create(ProblemException.TYPE_BASE + switch (status.value()) {
                case 400 -> "invalid-request";
                case 404 -> "not-found";
                case 405 -> "method-not-allowed";
                case 406 -> "not-acceptable";
                case 413 -> RequestSizeLimitFilter.TOO_LARGE_TYPE.substring(ProblemException.TYPE_BASE.length());
                case 415 -> "unsupported-media-type";
                default -> status.is4xxClientError() ? "client-error" : "internal-error";
            }));
        }
        return entity;
    }

    /** What a parameter of this type must be, without echoing the value sent. */
    private static String expected(@Nullable Class<?> type) {
        if (type != null && type.isEnum()) {
            return "must be one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name())
                    .collect(Collectors.joining(", "));
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "must be a whole number";
        }
        if (type == UUID.class) {
            return "must be a UUID";
        }
        if (type == Instant.class) {
            return "must be an ISO-8601 instant, e.g. 2026-11-23T06:00:00Z";
        }
        return "has the wrong type";
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RequestSizeLimitFilter.BodyTooLargeException tooLarge) {
                var problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, tooLarge.detail());
                problem.setType(URI.create(RequestSizeLimitFilter.TOO_LARGE_TYPE));
                problem.setTitle(RequestSizeLimitFilter.TOO_LARGE_TITLE);
                return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(problem);
            }
        }
        // No body where one is required (Spring's message names the Java method, so it is not passed on).
        if (e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")) {
            var problem = invalid("This request needs a JSON body (see docs/api.md for its fields).");
            problem.setProperty("errors", Map.of("body", "is required"));
            return ResponseEntity.badRequest().body(problem);
        }
        // A value of the wrong type or an unknown enum constant in a field of valid JSON: name the field (its path,
        // as the validation errors do) and what it must be. The parser's message can echo input; say what to fix instead.
        // Every such field, as the converter collects them (AllProblemsJsonConverter); a value it cannot step over
        // (an array for a number) ends the reading, with those found before it attached.
        for (Throwable t = e; t != null; t = t.getCause()) {
            var errors = new java.util.LinkedHashMap<String, String>();
            if (t instanceof DeferredBindingException collected) {
                collect(collected, errors);
            } else if (t instanceof MismatchedInputException mismatch) {
                for (var earlier : mismatch.getSuppressed()) {
                    if (earlier instanceof DeferredBindingException collected) {
                        collect(collected, errors);
                    }
                }
                var field = fieldPath(mismatch);
                if (!field.isEmpty()) {
                    errors.putIfAbsent(field, expected(mismatch.getTargetType()));
                }
            } else {
                continue;
            }
            if (errors.isEmpty()) {
                break;
            }
            var problem = invalid("Some fields are missing or invalid: " + String.join(", ", errors.keySet()) + ".");
            problem.setProperty("errors", errors);
            return ResponseEntity.badRequest().body(problem);
        }
        return ResponseEntity.badRequest()
                .body(invalid("The body is not valid JSON for this request, or a field has the wrong type or an "
                        + "unknown value (for example a tier other than ALL, ORACLE, GUARDIAN)."));
    }

    private static void collect(DeferredBindingException collected, Map<String, String> errors) {
        for (var problem : collected.getProblems()) {
            var field = fieldPath(problem.getPath());
            if (!field.isEmpty()) {
                var type = problem.getTargetType();
                errors.putIfAbsent(field, expected(type == null ? null : type.getRawClass()));
            }
        }
    }

    /** {@code /hardware/cpuCores} as {@code hardware.cpuCores}, {@code /items/0/x} as {@code items[0].x}. */
    private static String fieldPath(JsonPointer pointer) {
        var path = new StringBuilder();
        for (var p = pointer; !p.matches(); p = p.tail()) {
            if (p.getMatchingIndex() >= 0) {
                path.append('[').append(p.getMatchingIndex()).append(']');
            } else {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(p.getMatchingProperty());
            }
        }
        return path.toString();
    }

    /** The JSON path of the field a parse error is about, as {@code hardware.cpuCores}; empty for the body itself. */
    private static String fieldPath(JacksonException e) {
        var path = new StringBuilder();
        for (var reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static ProblemDetail invalid(String detail) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setType(INVALID_REQUEST);
        problem.setTitle("Invalid request");
        return problem;
    }
}
