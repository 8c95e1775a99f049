package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.shared.ProblemException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;

/**
 * The last enabled admin stays an enabled admin, whoever asks. Through the API the acting admin is always another
 * enabled admin, so this is checked on the domain service with every other admin disabled inside a transaction
 * that is rolled back after each test (the shared database keeps its admins).
 */
@IntegrationTest
@Transactional
class LastAdminTest {

    @Autowired
    UserAccounts users;

    @Autowired
    JdbcClient jdbc;

    UserAccount admin;

    @BeforeEach
    void onlyTheBootstrapAdminIsAnEnabledAdmin() {
        jdbc.sql("UPDATE users SET enabled = false WHERE role = 'ADMIN' AND username <> 'admin'").update();
        admin = users.findByUsername("admin").orElseThrow();
    }

    @Test
    void theLastEnabledAdminCannotBeDemoted() {
        assertThatThrownBy(() -> users.changeRole("some-automation", admin.id(), Role.RELEASE_MANAGER))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.typeName()).isEqualTo("last-admin");
                })
                .hasMessageContaining("'admin' is the last enabled admin")
                .hasMessageContaining("Make another user an admin first");
        assertThat(users.findById(admin.id()).orElseThrow().role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void theLastEnabledAdminCannotBeDisabled() {
        assertThatThrownBy(() -> users.setEnabled("some-automation", admin.id(), false))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.typeName()).isEqualTo("last-admin"));
        assertThat(users.findById(admin.id()).orElseThrow().enabled()).isTrue();
    }

    @Test
    void withASecondAdminTheFirstMayBeDemoted() {
        var second = users.create("second-enabled-admin", "second-admin-password", Role.ADMIN);
        var demoted = users.changeRole(second.username(), admin.id(), Role.VIEWER);
        assertThat(demoted.role()).isEqualTo(Role.VIEWER);
        assertThatThrownBy(() -> users.setEnabled("some-automation", second.id(), false))
                .as("now the second is the last one")
                .hasMessageContaining("'second-enabled-admin' is the last enabled admin");
    }

    @Test
    void aDisabledAdminDoesNotCountButMayStillBeDemoted() {
        var disabled = users.create("disabled-admin", "disabled-admin-password", Role.ADMIN);
        users.setEnabled("admin", disabled.id(), false);
        assertThatThrownBy(() -> users.changeRole("disabled-admin", admin.id(), Role.VIEWER))
                .hasMessageContaining("last enabled admin");
        assertThat(users.changeRole("admin", disabled.id(), Role.VIEWER).role()).isEqualTo(Role.VIEWER);
    }
}
