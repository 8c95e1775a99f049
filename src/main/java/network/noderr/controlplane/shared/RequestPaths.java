package network.noderr.controlplane.shared;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.util.UrlPathHelper;

/**
 * The path of a request as Spring Security and Spring MVC match it: percent-decoded ({@code /%61pi/v1} is
 * {@code /api/v1}) and without {@code ;} parameters. A filter that decides by path uses this, never the raw request
 * URI: a decision on the raw URI could be skipped by encoding a letter, while the request still reaches its handler.
 */
public final class RequestPaths {

    private static final UrlPathHelper DECODED = new UrlPathHelper();

    static {
        DECODED.setUrlDecode(true);
        DECODED.setRemoveSemicolonContent(true);
    }

    private RequestPaths() {}

    public static String of(HttpServletRequest request) {
        return DECODED.getPathWithinApplication(request);
    }
}
