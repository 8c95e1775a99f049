package network.noderr.controlplane.platform;

import java.net.URI;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns API errors into RFC 9457 problem+json with stable types. Spring MVC's own exceptions (bad parameter types,
 * unreadable bodies, unsupported methods) get their standard problem bodies from the base class.
 */
@RestControllerAdvice(basePackages = "network.noderr.controlplane")
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    static final URI INVALID_REQUEST = URI.create("https://noderr.network/problems/invalid-request");

    @ExceptionHandler(InvalidRequestException.class)
    ProblemDetail invalidRequest(InvalidRequestException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setType(INVALID_REQUEST);
        problem.setTitle("Invalid request");
        problem.setProperty("errors", e.fieldErrors());
        return problem;
    }
}
