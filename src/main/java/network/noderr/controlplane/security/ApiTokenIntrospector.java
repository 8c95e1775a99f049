package network.noderr.controlplane.security;

import java.util.Map;
import org.springframework.security.oauth2.core.DefaultOAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * Resolves a management-API bearer token to its owner with the owner's role authorities, and tells
 * {@link ApiTokenFailures} which tokens it accepted and refused.
 */
class ApiTokenIntrospector implements OpaqueTokenIntrospector {

    private final ApiTokens tokens;
    private final ApiTokenFailures failures;

    ApiTokenIntrospector(ApiTokens tokens, ApiTokenFailures failures) {
        this.tokens = tokens;
        this.failures = failures;
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        var found = tokens.authenticate(token);
        if (found.isEmpty()) {
            failures.refused(token);
            throw new BadOpaqueTokenException("Unknown API token");
        }
        var owner = found.get();
        failures.accepted(token);
        return new DefaultOAuth2AuthenticatedPrincipal(
                owner.username(),
                Map.of("sub", owner.username(), "token_id", owner.tokenId().toString(), "role", owner.role().name()),
                owner.role().authorities());
    }
}
