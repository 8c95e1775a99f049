package network.noderr.controlplane.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Node authentication.
 *
 * @param tokenTtl lifetime of a node access token (JWT)
 * @param challengeTtl lifetime of a challenge nonce (at most 60 s by contract)
 * @param issuer the JWT {@code iss} claim
 */
@ConfigurationProperties("noderr.nodes.auth")
public record NodeAuthProperties(
        @DefaultValue("PT15M") Duration tokenTtl,
        @DefaultValue("PT60S") Duration challengeTtl,
        @DefaultValue("noderr-control-plane") String issuer) {

    public NodeAuthProperties {
        if (challengeTtl.isNegative() || challengeTtl.isZero() || challengeTtl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("noderr.nodes.auth.challenge-ttl must be between 1 s and 60 s");
        }
        if (tokenTtl.isNegative() || tokenTtl.isZero() || tokenTtl.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("noderr.nodes.auth.token-ttl must be between 1 s and 1 h");
        }
    }
}
