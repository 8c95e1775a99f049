package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The start-up line says where the bootstrap admin's password comes from, without claiming one was printed. */
class StartupMessageTest {

    @Test
    void theHintNamesTheSourceOfThePassword() {
        assertThat(StartupMessage.loginHint(null)).contains("generated password above, once");
        assertThat(StartupMessage.loginHint(" ")).contains("generated password above, once");
        assertThat(StartupMessage.loginHint("chosen-password-1")).contains("NODERR_ADMIN_PASSWORD")
                .doesNotContain("generated").doesNotContain("chosen-password-1");
    }
}
