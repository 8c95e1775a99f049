package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import network.noderr.controlplane.health.HealthClassifier.Sample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DESIGN §4 defaults: unhealthy if silent for 3 × the report interval (5 min), or cpu ≥ 95, memory ≥ 95, errors ≥ 10;
 * degraded if cpu ≥ 85, memory ≥ 85 or errors > 0; else healthy.
 */
class HealthClassifierTest {

    private static final HealthThresholds DEFAULTS = HealthThresholds.DEFAULT;
    private static final Instant NOW = Instant.parse("2026-03-02T12:00:00Z");
    private static final Sample HEALTHY = new Sample(10, 20, 0);
    private static final Sample DEGRADED = new Sample(90, 20, 0);

    @Test
    void defaultsAreTheDesignOnes() {
        assertThat(DEFAULTS).isEqualTo(new HealthThresholds(Duration.ofMinutes(5), 3, 95, 85, 10));
    }

    @ParameterizedTest(name = "cpu {0}, memory {1}, errors {2} → {3}")
    @CsvSource({
        "0,     0,     0,  HEALTHY",
        "84.9,  84.9,  0,  HEALTHY",
        "85,    0,     0,  DEGRADED",
        "0,     85,    0,  DEGRADED",
        "94.9,  0,     0,  DEGRADED",
        "0,     94.9,  0,  DEGRADED",
        "94.99, 94.99, 9,  DEGRADED",
        "95,    0,     0,  UNHEALTHY",
        "0,     95,    0,  UNHEALTHY",
        "100,   100,   0,  UNHEALTHY",
        "0,     0,     1,  DEGRADED",
        "0,     0,     9,  DEGRADED",
        "0,     0,     10, UNHEALTHY",
        "0,     0,     11, UNHEALTHY",
        "84.9,  0,     1,  DEGRADED",
        "95,    0,     1,  UNHEALTHY",
        "50,    50,    10, UNHEALTHY",
    })
    void metricsTable(double cpu, double memory, long errors, HealthStatus expected) {
        var sample = new Sample(cpu, memory, errors);
        assertThat(HealthClassifier.classify(sample, DEFAULTS)).isEqualTo(expected);
        // a fresh report is classified by its metrics alone
        assertThat(HealthClassifier.classify(sample, NOW.minusSeconds(30), NOW, DEFAULTS)).isEqualTo(expected);
        // and its reasons agree: none when healthy, the worst first
        var reasons = HealthClassifier.reasons(sample, DEFAULTS);
        switch (expected) {
            case HEALTHY -> assertThat(reasons).isEmpty();
            case DEGRADED -> assertThat(reasons).isNotEmpty().allMatch(r -> r.contains("(degraded from"));
            case UNHEALTHY -> assertThat(reasons.getFirst()).contains("(unhealthy from");
        }
    }

    @Test
    void reasonsNameEachMetricOverALimit() {
        assertThat(HealthClassifier.reasons(new Sample(100, 85, 10), DEFAULTS)).containsExactly(
                "CPU 100 % (unhealthy from 95 %)",
                "10 errors in the report (unhealthy from 10)",
                "memory 85 % (degraded from 85 %)");
        assertThat(HealthClassifier.reasons(new Sample(0, 0, 1), DEFAULTS))
                .containsExactly("1 error in the report (degraded from 1)");
        var custom = new HealthThresholds(Duration.ofMinutes(1), 5, 80.5, 60, 3);
        assertThat(HealthClassifier.reasons(new Sample(80.5, 60, 3), custom)).containsExactly(
                "CPU 80.5 % (unhealthy from 80.5 %)",
                "3 errors in the report (unhealthy from 3)",
                "memory 60 % (degraded from 60 %)");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({"0, 0", "94.96, 94.9", "95, 95", "2.3, 2.3", "99.99, 99.9", "100, 100", "12.05, 12"})
    void numbersAreNeverRoundedUpToALimit(double value, String shown) {
        assertThat(HealthClassifier.number(value)).isEqualTo(shown);
    }

    @ParameterizedTest(name = "reported {0} ago → {2} (sample healthy: {1})")
    @CsvSource({
        "PT0S,              true,  HEALTHY",
        "PT14M59.999999999S, true,  HEALTHY",
        "PT14M59.999999999S, false, DEGRADED",
        "PT15M,             true,  UNHEALTHY",
        "PT15M,             false, UNHEALTHY",
        "PT15M0.000000001S, true,  UNHEALTHY",
        "PT24H,             true,  UNHEALTHY",
        "PT-1M,             true,  HEALTHY",   // a report from slightly in the future (clock skew)
    })
    void silenceForThreeIntervalsIsUnhealthy(Duration ago, boolean healthySample, HealthStatus expected) {
        var sample = healthySample ? HEALTHY : DEGRADED;
        assertThat(HealthClassifier.classify(sample, NOW.minus(ago), NOW, DEFAULTS)).isEqualTo(expected);
    }

    @Test
    void aNodeThatNeverReportedIsUnhealthy() {
        assertThat(HealthClassifier.classify(null, null, NOW, DEFAULTS)).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(HealthClassifier.classify(HEALTHY, null, NOW, DEFAULTS)).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(HealthClassifier.classify(null, NOW, NOW, DEFAULTS)).isEqualTo(HealthStatus.UNHEALTHY);
    }

    @Test
    void customThresholdsAreHonoured() {
        var t = new HealthThresholds(Duration.ofMinutes(1), 5, 80, 60, 3);
        assertThat(HealthClassifier.classify(new Sample(59.9, 0, 0), t)).isEqualTo(HealthStatus.HEALTHY);
        assertThat(HealthClassifier.classify(new Sample(60, 0, 0), t)).isEqualTo(HealthStatus.DEGRADED);
        assertThat(HealthClassifier.classify(new Sample(0, 80, 0), t)).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(HealthClassifier.classify(new Sample(0, 0, 2), t)).isEqualTo(HealthStatus.DEGRADED);
        assertThat(HealthClassifier.classify(new Sample(0, 0, 3), t)).isEqualTo(HealthStatus.UNHEALTHY);
        // silence: 5 × 1 min
        assertThat(HealthClassifier.classify(HEALTHY, NOW.minusSeconds(299), NOW, t)).isEqualTo(HealthStatus.HEALTHY);
        assertThat(HealthClassifier.classify(HEALTHY, NOW.minusSeconds(300), NOW, t))
                .isEqualTo(HealthStatus.UNHEALTHY);
    }

    @Test
    void equalDegradedAndUnhealthyPercentagesAreAllowed() {
        var t = new HealthThresholds(Duration.ofMinutes(5), 1, 90, 90, 1);
        assertThat(HealthClassifier.classify(new Sample(89.9, 0, 0), t)).isEqualTo(HealthStatus.HEALTHY);
        assertThat(HealthClassifier.classify(new Sample(90, 0, 0), t)).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(HealthClassifier.classify(new Sample(0, 0, 1), t)).isEqualTo(HealthStatus.UNHEALTHY);
    }

    @ParameterizedTest(name = "interval {0}, silent {1}, unhealthy {2}%, degraded {3}%, errors {4} → invalid")
    @CsvSource({
        "PT0S,   3, 95, 85,  10",
        "PT-5M,  3, 95, 85,  10",
        "PT5M,   0, 95, 85,  10",
        "PT5M,  -1, 95, 85,  10",
        "PT5M,   3, 95, 96,  10",
        "PT5M,   3, 85, 95,  10",
        "PT5M,   3, 95, NaN, 10",
        "PT5M,   3, NaN, 85, 10",
        "PT5M,   3, 95, 85,  0",
        "PT5M,   3, 95, 85,  -1",
    })
    void invalidThresholdsAreRejected(Duration interval, int silent, double unhealthy, double degraded, int errors) {
        assertThatThrownBy(() -> new HealthThresholds(interval, silent, unhealthy, degraded, errors))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wireNames() {
        assertThat(HealthStatus.HEALTHY.wireName()).isEqualTo("healthy");
        assertThat(HealthStatus.DEGRADED.wireName()).isEqualTo("degraded");
        assertThat(HealthStatus.UNHEALTHY.wireName()).isEqualTo("unhealthy");
    }
}
