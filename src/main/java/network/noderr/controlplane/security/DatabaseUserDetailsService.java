package network.noderr.controlplane.security;

import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;

/** Loads admin users from PostgreSQL for the login form. */
@Service
class DatabaseUserDetailsService implements UserDetailsService {

    private final UserRepository users;

    DatabaseUserDetailsService(UserRepository users) {
        this.users = users;
    }

    @Override
    public UserDetails loadUserByUsername(String username) {
        var stored = users.findByUsername(username).orElseThrow(() -> new UsernameNotFoundException("unknown user"));
        var account = stored.account();
        return User.withUsername(account.username())
                .password(stored.passwordHash())
                .authorities(account.role().authorities())
                .disabled(!account.enabled())
                .build();
    }
}
