package network.noderr.controlplane.shared;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Release versions are Semantic Versioning 2.0.0, pre-release and build metadata together included. */
class VersionsPatternTest {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0", "1.4.2", "10.20.30", "1.2.0-rc.1", "1.2.0+build.5", "1.2.0-rc.1+build.5",
            "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", "1.0.0-0A.is.legal", "2.0.0-x.7.z.92",
            "1.0.0+0.build.1-rc.10000aaa-kk-0.1"})
    void validVersions(String version) {
        assertThat(version).matches(Versions.PATTERN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-01",
            "1.2.3-rc..1", "1.2.3+build..1", "1.2.3-rc_1", "v1.2.3", " 1.2.3", "1.2.3 "})
    void invalidVersions(String version) {
        assertThat(version).doesNotMatch(Versions.PATTERN);
    }
}
