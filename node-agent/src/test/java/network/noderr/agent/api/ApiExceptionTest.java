package network.noderr.agent.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which refusals the agent treats as final, and how it reads the reports a batch's field errors name. */
class ApiExceptionTest {

    @ParameterizedTest
    @CsvSource({"400, true", "404, true", "409, true", "413, true", "422, true", "401, false", "403, false",
            "408, false", "429, false", "500, false", "503, false"})
    void aRefusalIsFinalFor4xxExceptThoseThatCanPassLater(int status, boolean isFinal) {
        var e = new ControlPlane.ApiException(status, "refused", Map.of());
        assertThat(e.isFinal()).isEqualTo(isFinal);
        assertThat(e.duringLogin().isFinal()).as("a failed login does not judge the request").isFalse();
        assertThat(e.duringLogin().status()).isEqualTo(status);
    }

    @Test
    void namesTheBatchPositionsItsFieldErrorsStartWith() {
        var e = new ControlPlane.ApiException(400, "invalid", Map.of("[12].timestamp", "is older than the 30-day "
                + "retention", "[3].metrics.cpu", "must be between 0 and 100", "[3].version", "must not be blank",
                "[7]", "must be a health report", "body", "must hold 1 to 1000 reports", "x[5]", "not a position",
                "[99999999999]", "not a position either"));
        assertThat(e.indices()).containsExactly(3, 7, 12);
        assertThat(e.getMessage()).isEqualTo("HTTP 400: invalid");
    }
}
