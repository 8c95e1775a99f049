package network.noderr.controlplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The hand-written checks of a health report: each bound, both sides. */
class HealthReportTest {

    @ParameterizedTest(name = "{0}: uptime {1}, cpu {2}, memory {3}, disk {4}, errors {5} → {6}")
    @CsvSource(nullValues = "null", value = {
        "node-1, 0, 0, 0, null, 0, ''",
        "node-1, 86400, 100, 100, 100, 1000000, ''",
        "node-1, -1, 50, 50, 50, 0, metrics.uptime",
        "node-1, null, 50, 50, 50, 0, metrics.uptime",
        "node-1, 1, -0.1, 50, 50, 0, metrics.cpu",
        "node-1, 1, 100.1, 50, 50, 0, metrics.cpu",
        "node-1, 1, NaN, 50, 50, 0, metrics.cpu",
        "node-1, 1, 50, null, 50, 0, metrics.memory",
        "node-1, 1, 50, 50, 100.5, 0, metrics.disk",
        "node-1, 1, 50, 50, 50, -1, metrics.errors",
        "node-1, 1, 50, 50, 50, 1000001, metrics.errors",
        "'  ', 1, 50, 50, 50, 0, nodeId",
        "null, 1, 50, 50, 50, 0, nodeId",
    })
    void checksEveryBound(String nodeId, Long uptime, Double cpu, Double memory, Double disk, Integer errors,
            String invalidField) {
        var report = new HealthReport(nodeId, "1.0.0", new HealthReport.Metrics(uptime, cpu, memory, disk, errors),
                Instant.now());
        var found = new LinkedHashMap<String, String>();
        report.collectErrors("[2].", found);
        if (invalidField.isEmpty()) {
            assertThat(found).isEmpty();
        } else {
            assertThat(found).containsOnlyKeys("[2]." + invalidField);
        }
    }

    @org.junit.jupiter.api.Test
    void refusesControlCharactersInLabels() {
        var report = new HealthReport("node-1\t", "1.0.0\u0000", new HealthReport.Metrics(1L, 1.0, 1.0, null, 0),
                Instant.now());
        var found = new LinkedHashMap<String, String>();
        report.collectErrors("", found);
        assertThat(found).containsOnlyKeys("nodeId", "version").containsValue("must not contain control characters");
    }

    @ParameterizedTest
    @CsvSource({"50, ''", "51, version"})
    void limitsTheVersionLength(int length, String invalidField) {
        var report = new HealthReport("node-1", "1".repeat(length), new HealthReport.Metrics(1L, 1.0, 1.0, null, 0),
                Instant.now());
        var found = new LinkedHashMap<String, String>();
        report.collectErrors("", found);
        assertThat(found.keySet()).isEqualTo(invalidField.isEmpty() ? java.util.Set.of()
                : java.util.Set.of(invalidField));
    }
}
