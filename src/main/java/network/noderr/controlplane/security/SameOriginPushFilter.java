package network.noderr.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import network.noderr.controlplane.shared.RequestPaths;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.WebUtils;

/**
 * Refuses (403) a WebSocket handshake, and any request to the dashboard's push endpoint ({@code /HILLA/push}), that
 * a page of another origin started. A handshake is a GET, which Spring Security's CSRF check lets through, and it
 * carries the session cookie; without this a page on another site could open the push socket as the logged-in user
 * and subscribe to the live streams (cross-site WebSocket hijacking). Atmosphere, behind Hilla's push, has no origin
 * check of its own.
 *
 * <p>Browsers always send {@code Origin} on a WebSocket handshake and a page cannot change it, so the origin decides:
 * it must be this site's own (Spring's {@link WebUtils#isSameOrigin}: scheme, host and port of the request, as the
 * forwarded headers give them behind a proxy with {@code server.forward-headers-strategy}). A request without
 * {@code Origin} did not come from a browser page and carries a session only if its sender holds the cookie itself,
 * so it is let through; {@code Origin: null} (a sandboxed or opaque page) is refused.
 */
class SameOriginPushFilter extends OncePerRequestFilter {

    static final String PUSH_PATH = "/HILLA/push";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        var path = RequestPaths.of(request); // decoded, as the push servlet is matched
        return !(path.equals(PUSH_PATH) || path.startsWith(PUSH_PATH + "/")
                || "websocket".equalsIgnoreCase(request.getHeader("Upgrade")));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getHeader("Origin") != null && !WebUtils.isSameOrigin(new ServletServerHttpRequest(request))) {
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().write("Cross-origin request refused");
            return;
        }
        chain.doFilter(request, response);
    }
}
