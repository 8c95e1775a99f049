package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The duration an update report carries stays within what the control plane accepts (0 to 30 days). */
class ReportDurationTest {

    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @ParameterizedTest
    @CsvSource({
            "PT42S, 42000",
            "P2D, 172800000", // waited two days for the registry
            "P30D, 2592000000",
            "PT720H0.001S, 2592000000", // just over 30 days
            "P40D, 2592000000",
            "PT-1H, 0", // the clock was set back an hour after the update started
            "PT0S, 0"})
    void clampsTheDurationToTheAcceptedRange(Duration elapsed, long reportedMs) {
        assertThat(Steps.Report.durationMs(NOW.minus(elapsed), NOW)).isEqualTo(reportedMs);
    }

    @org.junit.jupiter.api.Test
    void anUpdateWithoutAStartTimeIsReportedAsZero() {
        assertThat(Steps.Report.durationMs(null, NOW)).isZero();
    }
}
