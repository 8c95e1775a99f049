package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An update report's timestamp orders it against the node's health reports, so it is taken only where a health report
 * could carry it: up to 5 minutes ahead, and no older than the health reports' retention ({@code
 * noderr.health.retention}), whatever that is set to.
 */
class UpdateReportTimeTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @ParameterizedTest
    @CsvSource({
        // retention, the timestamp's age (negative: ahead of the control plane's clock), the node's time taken
        "P30D,  P29D,    true",
        "P30D,  P30DT1M, false",
        "P7D,   P6D,     true",
        "P7D,   P8D,     false",
        "PT36H, PT35H,   true",
        "PT36H, PT37H,   false",
        "P30D,  -PT4M,   true",
        "P30D,  -PT6M,   false",
    })
    void theNodesTimeIsTakenOnlyWhereAHealthReportCouldCarryIt(Duration retention, Duration age, boolean taken) {
        var sent = NOW.minus(age);
        assertThat(NodeRolloutController.observedAt(sent, NOW, retention)).isEqualTo(taken ? sent : NOW);
    }

    @org.junit.jupiter.api.Test
    void withoutATimestampTheReceiveTimeStandsIn() {
        assertThat(NodeRolloutController.observedAt(null, NOW, Duration.ofDays(30))).isEqualTo(NOW);
    }
}
