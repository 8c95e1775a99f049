package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Semantic Versioning 2.0.0 precedence, by the specification's own examples. */
class SemanticVersionTest {

    @Test
    void ordersVersionsAsTheSpecificationDoes() {
        var ordered = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "10.0.0");
        for (int i = 0; i + 1 < ordered.size(); i++) {
            var lower = SemanticVersion.parse(ordered.get(i)).orElseThrow();
            var higher = SemanticVersion.parse(ordered.get(i + 1)).orElseThrow();
            assertThat(lower.compareTo(higher)).as(ordered.get(i) + " < " + ordered.get(i + 1)).isNegative();
            assertThat(higher.compareTo(lower)).isPositive();
        }
    }

    @Test
    void ignoresBuildMetadataAndALeadingV() {
        assertThat(SemanticVersion.parse("1.4.2+build.7").orElseThrow()
                .compareTo(SemanticVersion.parse("v1.4.2").orElseThrow())).isZero();
    }

    @Test
    void otherStringsAreNotSemanticVersions() {
        for (var text : List.of("1.4", "latest", "1.4.2-", "1.4.2-beta..1", "unknown", "")) {
            assertThat(SemanticVersion.parse(text)).as(text).isEmpty();
        }
    }
}
