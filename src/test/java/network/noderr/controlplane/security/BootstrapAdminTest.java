package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.security.crypto.password.PasswordEncoder;

@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class BootstrapAdminTest {

    private static final Pattern GENERATED = Pattern.compile("user 'second-admin' password '([^']+)'");

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    @Autowired
    PasswordEncoder encoder;

    @Autowired
    DatabaseUserDetailsService userDetails;

    @Test
    void bootstrapAdminFromTheTestProfileExistsAsAdmin() {
        var admin = users.findByUsername("admin").orElseThrow();
        assertThat(admin.role()).isEqualTo(Role.ADMIN);
        var details = userDetails.loadUserByUsername("admin");
        assertThat(encoder.matches(IntegrationTest.ADMIN_PASSWORD, details.getPassword())).isTrue();
        assertThat(details.getPassword()).startsWith("$2").doesNotContain(IntegrationTest.ADMIN_PASSWORD);
    }

    @Test
    void generatedPasswordIsPrintedOnceAndWorks(CapturedOutput output) {
        var bootstrap = new BootstrapAdmin(new BootstrapAdminProperties("second-admin", null, null), users, tokens);
        bootstrap.ensureAdmin();
        var matcher = GENERATED.matcher(output.getAll());
        assertThat(matcher.find()).as("the generated password is logged").isTrue();
        var password = matcher.group(1);
        assertThat(password).hasSizeGreaterThanOrEqualTo(UserAccounts.MIN_PASSWORD_LENGTH);
        assertThat(encoder.matches(password, userDetails.loadUserByUsername("second-admin").getPassword())).isTrue();

        bootstrap.ensureAdmin();
        assertThat(output.getAll().split(Pattern.quote(password), -1)).as("printed exactly once").hasSize(2);
    }

    @Test
    void passwordGivenByEnvironmentIsNeverPrinted(CapturedOutput output) {
        var secret = "env-given-password-xyz";
        new BootstrapAdmin(new BootstrapAdminProperties("third-admin", secret, null), users, tokens)
                .ensureAdmin();
        assertThat(users.findByUsername("third-admin")).isPresent();
        assertThat(output.getAll()).contains("third-admin").doesNotContain(secret);
    }

    @Test
    void bootstrapApiTokenIsRegisteredOnceAndNeverPrinted(CapturedOutput output) {
        var token = "ndr_another_bootstrap_token_abcdefghijklmnop";
        var bootstrap = new BootstrapAdmin(new BootstrapAdminProperties("admin", null, token), users, tokens);
        bootstrap.ensureAdmin();
        bootstrap.ensureAdmin();
        assertThat(tokens.authenticate(token)).hasValueSatisfying(o -> assertThat(o.role()).isEqualTo(Role.ADMIN));
        assertThat(output.getAll()).doesNotContain(token);
    }
}
