package network.noderr.controlplane.audit;

import com.vaadin.hilla.BrowserCallable;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import network.noderr.controlplane.shared.Audited;
import network.noderr.controlplane.shared.RequestPaths;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.ContentCachingRequestWrapper;
import org.springframework.web.util.ContentCachingResponseWrapper;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an audit entry for every admin action that reached the application (it runs after Spring Security, so the
 * actor is known; requests security refused never get here): management API calls that change something, and
 * dashboard (Hilla) calls to methods marked {@link Audited}. The outcome comes from the response status. Request
 * fields whose names suggest a secret are never recorded. The answer is held back until its entry is written, so a
 * client that has the answer finds the action in the audit log (a dashboard call's answer, sent whole as soon as it
 * was written, otherwise reached the browser before the entry about 3 times in 10).
 */
@Component
class AuditFilter extends OncePerRequestFilter {

    private static final Set<String> CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|token|secret|key|signature).*");
    private static final int MAX_BODY = 64 * 1024;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AuditFilter.class);

    private final AuditLog log;
    private final JsonMapper json;
    private final ApplicationContext context;
    private volatile @Nullable Set<String> auditedCalls;

    AuditFilter(AuditLog log, JsonMapper json, ApplicationContext context) {
        this.log = log;
        this.json = json;
        this.context = context;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        var path = RequestPaths.of(request);
        if (path.startsWith("/api/v1/admin/")) {
            return !CHANGING.contains(request.getMethod());
        }
        return !(path.startsWith("/connect/") && request.getMethod().equals("POST")
                && auditedCalls().contains(path.substring("/connect/".length())));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var cached = new ContentCachingRequestWrapper(request, MAX_BODY);
        // Holds the answer's body (a flush included) until the entry is written.
        var answer = new ContentCachingResponseWrapper(response);
        var auth = SecurityContextHolder.getContext().getAuthentication();
        var actor = auth == null ? "anonymous" : auth.getName();
        int status = 500;
        boolean refusedBySecurity = false;
        try {
            chain.doFilter(cached, answer);
            status = answer.getStatus();
        } catch (ServletException | RuntimeException e) {
            // A management-API change refused by method security (the exception reaches here, wrapped): Spring
            // Security answers it (403/401) and its handler audits the refusal, collapsed when there are many.
            // Recorded here as well, it would be a second entry, "failed" with 500.
            refusedBySecurity = RequestPaths.of(request).startsWith("/api/v1/admin/") && refusedBySecurity(e);
            throw e;
        } finally {
            try {
                if (!refusedBySecurity) {
                    try {
                        record(request, cached, actor, status);
                    } catch (RuntimeException e) {
                        // The action has run (and may have committed): its answer stands. The entry goes to the log.
                        LOG.error("Audit entry not written: {} {} {} answered {}", actor, request.getMethod(),
                                RequestPaths.of(request), status, e);
                    }
                }
            } finally {
                answer.copyBodyToResponse();
            }
        }
    }

    private static boolean refusedBySecurity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.springframework.security.access.AccessDeniedException
                    || t instanceof org.springframework.security.core.AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    private void record(HttpServletRequest request, ContentCachingRequestWrapper cached, String actor, int status) {
        var path = RequestPaths.of(request);
        var fields = fields(cached.getContentAsByteArray());
        String action;
        String target;
        if (path.startsWith("/connect/")) {
            action = path.substring("/connect/".length()).replace('/', '.');
            target = firstOf(fields, "nodeId", "id", "tier");
        } else {
            var pattern = (String) request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
            action = request.getMethod() + " " + (pattern != null ? pattern : path);
            @SuppressWarnings("unchecked")
            var variables = (Map<String, String>) request.getAttribute(
                    HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
            target = variables == null || variables.isEmpty() ? firstOf(fields, "nodeId", "id", "tier")
                    : String.join(" ", variables.values());
        }
        var detail = fields.isEmpty() ? null : fields.toString();
        var outcome = status < 400 ? "success" : status < 500 ? "refused" : "failed";
        log.append(actor, "user", action, target, outcome, status, request.getRemoteAddr(), detail);
    }

    /** The request's scalar fields, one level into objects, secrets left out. */
    private Map<String, String> fields(byte[] body) {
        var result = new LinkedHashMap<String, String>();
        if (body.length == 0) {
            return result;
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (RuntimeException e) {
            return result;
        }
        collect(root, result, 0);
        return result;
    }

    private static void collect(JsonNode node, Map<String, String> into, int depth) {
        if (!node.isObject()) {
            return;
        }
        for (var entry : node.properties()) {
            var value = entry.getValue();
            if (SECRET.matcher(entry.getKey()).matches()) {
                into.put(entry.getKey(), "(hidden)");
            } else if (value.isValueNode() && !value.isNull()) {
                var text = value.asString();
                into.put(entry.getKey(), text.length() > 200 ? text.substring(0, 200) + "…" : text);
            } else if (value.isObject() && depth == 0) {
                collect(value, into, 1);
            }
        }
    }

    private static @Nullable String firstOf(Map<String, String> fields, String... keys) {
        for (var key : keys) {
            if (fields.containsKey(key)) {
                return fields.get(key);
            }
        }
        return null;
    }

    /** {@code Endpoint/method} of every {@link Audited} method of the browser-callable services. */
    private Set<String> auditedCalls() {
        var calls = auditedCalls;
        if (calls == null) {
            calls = new HashSet<>();
            for (var bean : context.getBeansWithAnnotation(BrowserCallable.class).values()) {
                var type = AopUtils.getTargetClass(bean);
                for (var method : type.getMethods()) {
                    if (method.isAnnotationPresent(Audited.class)) {
                        calls.add(type.getSimpleName() + "/" + method.getName());
                    }
                }
            }
            auditedCalls = Set.copyOf(calls);
        }
        return calls;
    }
}
