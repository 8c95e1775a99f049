package network.noderr.controlplane.platform;

import jakarta.servlet.http.HttpServletRequest;
import network.noderr.controlplane.shared.ProblemException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Paths under {@code /api} that no endpoint serves answer 404 problem+json, instead of falling through to the
 * dashboard's HTML page (which a script would read as a 200).
 */
@RestController
class ApiFallbackController {

    @RequestMapping("/api/**")
    void notFound(HttpServletRequest request) {
        throw new ProblemException(404, "not-found", "Not found", "There is no " + request.getMethod() + " "
                + request.getRequestURI() + " in this API; see docs/api.md.");
    }
}
