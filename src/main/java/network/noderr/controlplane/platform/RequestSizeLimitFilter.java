package network.noderr.controlplane.platform;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.RequestPaths;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * API request bodies over 64 KiB get 413 (DESIGN §3), before security or parsing spends effort on them: by
 * Content-Length up front, and by counting for chunked bodies. Alertmanager's webhook ({@code POST /api/v1/alerts})
 * may send up to 2 MiB: one notification carries a whole alert group (e.g. NodeDown for every node of a tier, about
 * 1 KiB per alert), and Alertmanager caps it at 1000 alerts ({@code max_alerts} in alertmanager.yml). The dashboard's
 * endpoint calls ({@code /connect/**}, JSON that Hilla parses whole before it checks who may call the method, and
 * whose session and CSRF token anyone who opens the login page gets) have the same 64 KiB limit.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestSizeLimitFilter extends OncePerRequestFilter {

    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_ALERTS_BODY_BYTES = 2 * 1024 * 1024;
    static final String TOO_LARGE_TYPE = ProblemException.TYPE_BASE + "body-too-large";
    static final String TOO_LARGE_TITLE = "Request body too large";
    static final String TOO_LARGE_DETAIL =
            "Request bodies are limited to 64 KiB. Send buffered reports in smaller batches.";
    static final String DASHBOARD_TOO_LARGE_DETAIL = "Dashboard requests are limited to 64 KiB.";
    static final String ALERTS_TOO_LARGE_DETAIL =
            "Alertmanager notifications are limited to 2 MiB. Lower max_alerts in the webhook config.";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        var path = RequestPaths.of(request);
        return !path.startsWith("/api/") && !path.startsWith("/connect/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean alerts = isAlertWebhook(request);
        long limit = alerts ? MAX_ALERTS_BODY_BYTES : MAX_BODY_BYTES;
        var detail = alerts ? ALERTS_TOO_LARGE_DETAIL
                : RequestPaths.of(request).startsWith("/connect/") ? DASHBOARD_TOO_LARGE_DETAIL : TOO_LARGE_DETAIL;
        if (request.getContentLengthLong() > limit) {
            tooLarge(response, detail);
            return;
        }
        try {
            chain.doFilter(new LimitedRequest(request, limit), response);
        } catch (BodyTooLargeException e) {
            if (!response.isCommitted()) {
                response.reset();
                tooLarge(response, detail);
            }
        } catch (ServletException | RuntimeException e) {
            if (causedByTooLarge(e) && !response.isCommitted()) {
                response.reset();
                tooLarge(response, detail);
                return;
            }
            throw e;
        }
    }

    private static boolean isAlertWebhook(HttpServletRequest request) {
        return request.getMethod().equals("POST") && RequestPaths.of(request).equals("/api/v1/alerts");
    }

    private static boolean causedByTooLarge(Throwable e) {
        for (var t = e; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private static void tooLarge(HttpServletResponse response, String detail) throws IOException {
        response.setStatus(413);
        response.setContentType("application/problem+json");
        response.getWriter().write("{\"type\":\"" + TOO_LARGE_TYPE + "\",\"title\":\"" + TOO_LARGE_TITLE
                + "\",\"status\":413,\"detail\":\"" + detail + "\"}");
    }

    static final class BodyTooLargeException extends IOException {
        private final long limit;

        BodyTooLargeException(long limit) {
            super("request body over " + limit + " bytes");
            this.limit = limit;
        }

        /** What the client is told: the limit that applied to it. */
        String detail() {
            return limit == MAX_ALERTS_BODY_BYTES ? ALERTS_TOO_LARGE_DETAIL : TOO_LARGE_DETAIL;
        }
    }

    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new CountingStream(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class CountingStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long count;

        CountingStream(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        private void add(int n) throws BodyTooLargeException {
            count += n;
            if (count > limit) {
                throw new BodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
