package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.security.core.GrantedAuthority;

class RoleTest {

    @ParameterizedTest(name = "{0} has authorities {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ADMIN           | ROLE_ADMIN ROLE_RELEASE_MANAGER ROLE_VIEWER
            RELEASE_MANAGER | ROLE_RELEASE_MANAGER ROLE_VIEWER
            VIEWER          | ROLE_VIEWER
            """)
    void eachRoleImpliesTheRolesBelowIt(Role role, String expected) {
        assertThat(role.authorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactly(expected.split(" "));
    }
}
