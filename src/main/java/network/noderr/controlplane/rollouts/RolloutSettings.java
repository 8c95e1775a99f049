package network.noderr.controlplane.rollouts;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How rollouts are driven.
 *
 * @param gateGrace after a person resumes a rollout, how long a closed cohort gate holds the next cohort back without
 *     pausing the rollout again: while it was paused no node updated, so the previous cohort's stragglers need time
 *     to ask, update and report (default 3 × the nodes' 5-minute report interval); zero pauses again at once
 */
@ConfigurationProperties("noderr.rollouts")
public record RolloutSettings(@DefaultValue("PT15M") Duration gateGrace) {

    public RolloutSettings {
        if (gateGrace.isNegative() || gateGrace.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("noderr.rollouts.gate-grace must be between PT0S and P1D, was "
                    + gateGrace);
        }
    }
}
