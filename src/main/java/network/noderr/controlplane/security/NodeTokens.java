package network.noderr.controlplane.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import network.noderr.controlplane.shared.Tier;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.stereotype.Service;

/**
 * Short-lived access tokens for nodes: ES256 JWTs with subject = node id and a {@code tier} claim, signed with the
 * control plane's current key (see {@link SigningKeys}).
 */
@Service
public class NodeTokens {

    /** An issued token and its lifetime in seconds. */
    public record IssuedNodeToken(String accessToken, long expiresIn) {}

    private final SigningKeys keys;
    private final NodeAuthProperties properties;
    private final Clock clock;

    /**
     * Tokens already verified, and tokens this replica issued, until they expire: a node's repeated requests cost one
     * signature check per token instead of one per request, and a node that just logged in here (its push stream's
     * handshake follows at once; thousands of them after a mass login) none.
     */
    private final Cache<String, Jwt> verified;

    NodeTokens(SigningKeys keys, NodeAuthProperties properties, Clock clock) {
        this.keys = keys;
        this.properties = properties;
        this.clock = clock;
        this.verified = Caffeine.newBuilder()
                .maximumSize(200_000)
                .expireAfter(Expiry.creating((String token, Jwt jwt) -> {
                    var left = jwt.getExpiresAt() == null ? Duration.ZERO
                            : Duration.between(clock.instant(), jwt.getExpiresAt());
                    return left.isNegative() ? Duration.ZERO : left;
                }))
                .build();
    }

    public IssuedNodeToken issue(String nodeId, Tier tier) {
        var active = keys.active();
        JWKSource<SecurityContext> source = (selector, context) -> List.of(active);
        var now = clock.instant();
        var claims = JwtClaimsSet.builder()
                .issuer(properties.issuer())
                .subject(nodeId)
                .issuedAt(now)
                .expiresAt(now.plus(properties.tokenTtl()))
                .claim("tier", tier.name())
                .build();
        var header = JwsHeader.with(SignatureAlgorithm.ES256).keyId(active.getKeyID()).build();
        var token = new NimbusJwtEncoder(source).encode(JwtEncoderParameters.from(header, claims));
        verified.put(token.getTokenValue(), token); // signed here a moment ago: nothing to verify
        return new IssuedNodeToken(token.getTokenValue(), properties.tokenTtl().toSeconds());
    }

    /** Makes a new signing key current; tokens signed by the previous key stay valid until they expire. */
    public String rotateSigningKey() {
        return keys.rotate();
    }

    /**
     * Verifies like {@link #verifyingDecoder()}, remembering tokens it already verified or issued until they expire.
     * A remembered token still counts only while its signing key does (a retired key stops verifying one token
     * lifetime after its retirement, also for tokens verified before).
     */
    JwtDecoder decoder() {
        var verifying = verifyingDecoder();
        return token -> {
            var cached = verified.getIfPresent(token);
            if (cached != null && cached.getExpiresAt() != null && cached.getExpiresAt().isAfter(clock.instant())
                    && cached.getHeaders().get("kid") instanceof String kid
                    && keys.verificationKeys().getKeyByKeyId(kid) != null) {
                return cached;
            }
            var jwt = verifying.decode(token);
            verified.put(token, jwt);
            return jwt;
        };
    }

    /**
     * Verifies signature (any current or recently retired key), issuer and expiry against the injected clock. The
     * control plane both issues and checks these tokens on its own clock, so there is no clock skew to allow: a token
     * is refused from the moment it expires (Spring's default would accept it for another minute), and a token
     * without an expiry is refused.
     */
    JwtDecoder verifyingDecoder() {
        JWKSource<SecurityContext> source = (selector, context) -> select(selector);
        var processor = new DefaultJWTProcessor<SecurityContext>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, source));
        // Spring's validators below check time and issuer; Nimbus's own claims check is switched off.
        processor.setJWTClaimsSetVerifier((claims, context) -> {});
        var decoder = new NimbusJwtDecoder(processor);
        var timestamps = new JwtTimestampValidator(java.time.Duration.ZERO);
        timestamps.setClock(clock);
        var expires = new org.springframework.security.oauth2.jwt.JwtClaimValidator<Object>(
                org.springframework.security.oauth2.jwt.JwtClaimNames.EXP, java.util.Objects::nonNull);
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                timestamps, expires, new JwtIssuerValidator(properties.issuer())));
        return decoder;
    }

    private List<JWK> select(JWKSelector selector) {
        var found = selector.select(keys.verificationKeys());
        return found.isEmpty() ? selector.select(keys.reload()) : found;
    }

}
