package network.noderr.controlplane.security;

import java.util.Map;
import org.springframework.security.oauth2.core.DefaultOAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/** Resolves a management-API bearer token to its owner with the owner's role authorities. */
class ApiTokenIntrospector implements OpaqueTokenIntrospector {

    private final ApiTokens tokens;

    ApiTokenIntrospector(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        var owner = tokens.authenticate(token).orElseThrow(() -> new BadOpaqueTokenException("Unknown API token"));
        return new DefaultOAuth2AuthenticatedPrincipal(
                owner.username(),
                Map.of("sub", owner.username(), "token_id", owner.tokenId().toString(), "role", owner.role().name()),
                owner.role().authorities());
    }
}
