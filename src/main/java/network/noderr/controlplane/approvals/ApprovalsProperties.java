package network.noderr.controlplane.approvals;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** @param expiry how long a request waits for a second person before it expires */
@ConfigurationProperties("noderr.approvals")
public record ApprovalsProperties(@DefaultValue("PT24H") Duration expiry) {

    public ApprovalsProperties {
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("noderr.approvals.expiry must be positive");
        }
    }
}
