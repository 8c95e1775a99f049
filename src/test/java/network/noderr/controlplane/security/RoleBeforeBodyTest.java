package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestUsers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The role a management-API call needs is checked before its body is read: a role too low gets 403 even for a body
 * that is not JSON at all, never a 400 naming fields it may not use. Walks every {@code /api/v1/admin/**} handler
 * and the role its {@code @PreAuthorize} demands (the role table of docs/api.md), so a new call that the security
 * filter chain's URL rules miss fails here.
 */
@IntegrationTest
class RoleBeforeBodyTest {

    private static final Pattern HAS_ROLE = Pattern.compile("hasRole\\('([A-Z_]+)'\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\{([^}]+)}");
    private static final String NOT_JSON = "{\"tier\": ";

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private final HttpClient http = HttpClient.newHttpClient();

    record Call(String method, String path, Role role, boolean readsBody) {}

    private java.util.List<Call> adminCalls() {
        var calls = new ArrayList<Call>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            var role = requiredRole(handler);
            var readsBody = java.util.Arrays.stream(handler.getMethodParameters())
                    .anyMatch(p -> p.hasParameterAnnotation(RequestBody.class));
            for (var pattern : info.getPatternValues()) {
                if (!pattern.startsWith("/api/v1/admin/")) {
                    continue;
                }
                assertThat(role).as("@PreAuthorize of %s", handler).isNotNull();
                for (var method : info.getMethodsCondition().getMethods()) {
                    calls.add(new Call(method.name(), concrete(pattern), role, readsBody));
                }
            }
        });
        assertThat(calls).as("admin calls found").hasSizeGreaterThan(20);
        return calls;
    }

    private static Role requiredRole(HandlerMethod handler) {
        var annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), PreAuthorize.class);
        if (annotation == null) {
            annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), PreAuthorize.class);
        }
        if (annotation == null) {
            return null;
        }
        var matcher = HAS_ROLE.matcher(annotation.value());
        return matcher.matches() ? Role.valueOf(matcher.group(1)) : null;
    }

    /** The pattern with its variables filled in: ids that name nothing, a real tier. */
    private static String concrete(String pattern) {
        return VARIABLE.matcher(pattern).replaceAll(m -> switch (m.group(1)) {
            case "tier" -> "ORACLE";
            case "nodeId" -> "no-such-node";
            default -> UUID.randomUUID().toString();
        });
    }

    private int send(Call call, String token) throws Exception {
        return send(call, token, NOT_JSON);
    }

    private int send(Call call, String token, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + call.path()))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(call.method(), HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aRoleTooLowIsRefusedBeforeTheBodyIsRead() throws Exception {
        var tokenOf = new EnumMap<Role, String>(Role.class);
        for (var role : Role.values()) {
            tokenOf.put(role, TestUsers.token(users, tokens, "before-body-" + role.name().toLowerCase(), role));
        }
        var wrong = new ArrayList<String>();
        for (var call : adminCalls()) {
            for (var role : Role.values()) {
                if (!role.withImplied().contains(call.role())) {
                    var status = send(call, tokenOf.get(role));
                    if (status != 403) {
                        wrong.add(role + " " + call.method() + " " + call.path() + " → " + status + " (needs "
                                + call.role() + ")");
                    }
                } else if (role == call.role() && call.readsBody()) {
                    // The role it needs gets as far as the body: the URL rules ask no more than the controller.
                    var status = send(call, tokenOf.get(role));
                    if (status != 400) {
                        wrong.add(role + " " + call.method() + " " + call.path() + " with a broken body → " + status
                                + ", expected 400");
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void aViewerSendingAnInvalidReleaseOrRollbackGets403NotTheFieldList() throws Exception {
        var viewer = TestUsers.token(users, tokens, "before-body-viewer", Role.VIEWER);
        var manager = TestUsers.token(users, tokens, "before-body-release_manager", Role.RELEASE_MANAGER);
        var invalid = Map.of(
                new Call("POST", "/api/v1/admin/releases", Role.RELEASE_MANAGER, true), viewer,
                new Call("POST", "/api/v1/admin/tiers/ORACLE/emergency-rollback", Role.RELEASE_MANAGER, true), viewer,
                new Call("PUT", "/api/v1/admin/tiers/ORACLE/rollout-config", Role.ADMIN, true), manager);
        for (var entry : invalid.entrySet()) {
            // Valid JSON whose fields are all missing: the role is refused, the fields are not listed.
            assertThat(send(entry.getKey(), entry.getValue(), "{}")).as(entry.getKey().toString()).isEqualTo(403);
        }
    }
}
