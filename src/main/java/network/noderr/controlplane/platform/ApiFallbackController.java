package network.noderr.controlplane.platform;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import java.util.TreeSet;
import network.noderr.controlplane.shared.ProblemException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * Paths under {@code /api} that no endpoint serves answer 404 problem+json, instead of falling through to the
 * dashboard's HTML page (which a script would read as a 200). A path an endpoint serves, with a method it does not
 * take, answers 405 with {@code Allow}: this mapping matches every method, so Spring's own 405 never happens under
 * {@code /api}.
 */
@RestController
class ApiFallbackController {

    private static final String FALLBACK = "/api/**";

    private final RequestMappingHandlerMapping mappings;

    ApiFallbackController(@Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings) {
        this.mappings = mappings;
    }

    @RequestMapping(FALLBACK)
    void notFound(HttpServletRequest request) throws HttpRequestMethodNotSupportedException {
        var allowed = methodsServing(request);
        if (!allowed.isEmpty()) {
            throw new HttpRequestMethodNotSupportedException(request.getMethod(), allowed);
        }
        throw new ProblemException(404, "not-found", "Not found", "There is no " + request.getMethod() + " "
                + request.getRequestURI() + " in this API; see docs/api.md.");
    }

    /** The methods of the endpoints (other than this one) whose path matches the request's. */
    private Set<String> methodsServing(HttpServletRequest request) {
        if (!ServletRequestPathUtils.hasParsedRequestPath(request)) {
            ServletRequestPathUtils.parseAndCache(request);
        }
        var methods = new TreeSet<String>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            var paths = info.getPathPatternsCondition();
            if (paths == null || paths.getPatternValues().contains(FALLBACK)
                    || paths.getMatchingCondition(request) == null) {
                return;
            }
            info.getMethodsCondition().getMethods().forEach(m -> methods.add(m.name()));
        });
        return methods;
    }
}
