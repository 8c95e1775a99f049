package network.noderr.controlplane.platform;

import com.vaadin.hilla.exception.EndpointValidationException;
import com.vaadin.hilla.exception.EndpointValidationException.ValidationErrorData;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import network.noderr.controlplane.shared.RequestPaths;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A dashboard endpoint call ({@code POST /connect/{service}/{method}}) with a NUL character in an argument gets a 400
 * validation error naming the parameter, as the management API answers such a field, and the method is not called.
 * PostgreSQL refuses NUL in text, so the value would otherwise end in a 500 with a stack trace in the log, whether
 * the method looks something up (a node id) or stores it. The body (at most 64 KiB, {@link RequestSizeLimitFilter})
 * is parsed only when it holds the escape at all. Runs after Spring Security: a caller without a session is refused
 * there first.
 */
@Component
class DashboardCallTextFilter extends OncePerRequestFilter {

    static final String NUL_MESSAGE = "must not contain NUL characters";

    /** JSON has no raw NUL: a string holds one only as this escape (its digits have no case). */
    private static final String NUL_ESCAPE = "\\u0000";

    private final JsonMapper json;

    DashboardCallTextFilter(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !(request.getMethod().equals("POST") && RequestPaths.of(request).startsWith("/connect/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var body = request.getInputStream().readAllBytes();
        // ISO-8859-1 maps each byte to one char: the ASCII escape is found whatever the body's encoding (UTF-8).
        var text = new String(body, StandardCharsets.ISO_8859_1);
        var parameter = text.contains(NUL_ESCAPE) ? parameterWithNul(body) : null;
        if (parameter != null) {
            // The message is what the dashboard shows of a failed call.
            var message = parameter + " " + NUL_MESSAGE;
            var refusal = new EndpointValidationException(message,
                    List.of(new ValidationErrorData(message, parameter)));
            response.setStatus(400);
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8);
            response.getWriter().write(json.writeValueAsString(refusal.getSerializationData()));
            return;
        }
        chain.doFilter(new ReadBody(request, body), response);
    }

    /** The top-level argument whose value (or a name or value within it) holds NUL; null for none or no JSON. */
    private @Nullable String parameterWithNul(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            return null; // Hilla answers a body it cannot read itself
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        for (var field : root.properties()) {
            if (field.getKey().indexOf('\0') >= 0 || holdsNul(field.getValue())) {
                return field.getKey().replace('\0', '\uFFFD');
            }
        }
        return null;
    }

    private static boolean holdsNul(JsonNode node) {
        if (node.isString()) {
            return node.asString().indexOf('\0') >= 0;
        }
        if (node.isObject()) {
            for (var field : node.properties()) {
                if (field.getKey().indexOf('\0') >= 0 || holdsNul(field.getValue())) {
                    return true;
                }
            }
            return false;
        }
        for (var element : node) {
            if (holdsNul(element)) {
                return true;
            }
        }
        return false;
    }

    /** The request with its body read once here and given again to whoever reads it next. */
    private static final class ReadBody extends HttpServletRequestWrapper {
        private final byte[] body;

        ReadBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            var in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            var encoding = getCharacterEncoding();
            var charset = encoding == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
