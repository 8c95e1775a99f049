package network.noderr.controlplane.security;

import java.util.Arrays;
import java.util.List;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * Admin roles, from most to least powerful. A role implies every role below it, so a check for {@code VIEWER}
 * passes for all three; authorities are expanded at login so servlet {@code isUserInRole} (used by Hilla) agrees
 * with Spring Security's checks.
 */
public enum Role {
    /** Everything, including user management. */
    ADMIN,
    /** Publishes releases, drives rollouts, triggers emergency rollback. */
    RELEASE_MANAGER,
    /** Reads everything, changes nothing. */
    VIEWER;

    /** Role names for annotations such as {@code @RolesAllowed(Role.Names.VIEWER)}. */
    public static final class Names {
        public static final String ADMIN = "ADMIN";
        public static final String RELEASE_MANAGER = "RELEASE_MANAGER";
        public static final String VIEWER = "VIEWER";

        private Names() {}
    }

    /** This role and every role it implies. */
    public List<Role> withImplied() {
        return Arrays.stream(values()).filter(r -> r.ordinal() >= ordinal()).toList();
    }

    /** Spring Security authorities ({@code ROLE_X}) for this role and every role it implies. */
    public List<GrantedAuthority> authorities() {
        return withImplied().stream()
                .<GrantedAuthority>map(r -> new SimpleGrantedAuthority("ROLE_" + r.name()))
                .toList();
    }
}
