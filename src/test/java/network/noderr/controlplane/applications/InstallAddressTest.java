package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Without {@code noderr.onboarding.public-url}, an install command uses the address the admin opened the dashboard at;
 * when that is the control plane's own machine (localhost, an SSH tunnel), the approval says so.
 */
class InstallAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080", "http://LOCALHOST:8080", "http://127.0.0.1:8080",
        "https://127.1.2.3", "http://[::1]:8080", "http://dashboard.localhost:8080"})
    void anAddressOfThisMachineIsNamed(String url) {
        assertThat(Applications.loopbackProblem(url)).contains("the command uses " + url + ",")
                .contains("NODERR_PUBLIC_URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://control.example:8443", "http://10.0.0.5:8080", "http://127.example.com",
        "http://192.168.1.20", "http://[2001:db8::1]:8080", "not a url"})
    void otherAddressesAreTakenAsTheyAre(String url) {
        assertThat(Applications.loopbackProblem(url)).isNull();
    }
}
