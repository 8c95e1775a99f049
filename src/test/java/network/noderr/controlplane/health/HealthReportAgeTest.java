package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The oldest health report the API accepts is the configured retention: an older one would be deleted by the next
 * retention run. Checked before the caller or the ingest is looked at, so neither is needed here.
 */
class HealthReportAgeTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @ParameterizedTest
    @CsvSource({
        "P30D, P30DT1M, is older than the 30-day retention",
        "P7D,  P7DT1M,  is older than the 7-day retention",
        "PT36H, PT37H,  is older than the retention of PT36H",
    })
    void aReportOlderThanTheConfiguredRetentionIsRefused(Duration retention, Duration age, String message) {
        var thrown = catchThrowableOfType(InvalidRequestException.class,
                () -> controller(retention).report(null, report(NOW.minus(age))));
        assertThat(thrown.fieldErrors()).containsEntry("[0].timestamp", message);
    }

    @ParameterizedTest
    @CsvSource({"P30D, P29D", "P7D, P6D", "PT36H, PT35H"})
    void aReportWithinTheRetentionPassesTheAgeCheck(Duration retention, Duration age) {
        // Past the checks the controller asks who is calling; without a caller that fails, but not as a bad request.
        var thrown = org.assertj.core.api.Assertions.catchThrowable(
                () -> controller(retention).report(null, report(NOW.minus(age))));
        assertThat(thrown).isNotInstanceOf(InvalidRequestException.class);
    }

    private static HealthController controller(Duration retention) {
        return new HealthController(null, JsonMapper.builder().build(), Clock.fixed(NOW, ZoneOffset.UTC),
                new HealthRetentionSettings(retention));
    }

    private static byte[] report(Instant timestamp) {
        return ("[{\"nodeId\":\"node-1\",\"version\":\"1.0.0\",\"metrics\":{\"uptime\":1,\"cpu\":1,\"memory\":1,"
                + "\"errors\":0},\"timestamp\":\"" + timestamp + "\"}]").getBytes(StandardCharsets.UTF_8);
    }
}
