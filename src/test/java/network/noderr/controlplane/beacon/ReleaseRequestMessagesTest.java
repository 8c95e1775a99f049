package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import java.util.stream.Collectors;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;

/** What a release manager reads under a field that the publish refuses (the dashboard shows the same words). */
class ReleaseRequestMessagesTest {

    private static String versionError(String version) {
        try (var factory = Validation.buildDefaultValidatorFactory()) {
            var request = new ReleaseRequest(Tier.ORACLE, version, "registry.example.com/oracle:1.4.2",
                    "sha256:" + "ab".repeat(32), "0x" + "cd".repeat(32));
            return factory.getValidator().validate(request).stream()
                    .filter(v -> v.getPropertyPath().toString().equals("versionString"))
                    .map(v -> v.getMessage())
                    .collect(Collectors.joining("; "));
        }
    }

    @Test
    void aVersionWithALeadingVIsToldWhatIsWrongWithIt() {
        // "v1.4.2" is how many tags are written; "no leading zeros" alone did not say what to change.
        assertThat(versionError("v1.4.2")).contains("no leading v").contains("1.4.2");
        assertThat(versionError("1.4.2")).isEmpty();
        assertThat(versionError("1.5.0-rc.1")).isEmpty();
    }
}
