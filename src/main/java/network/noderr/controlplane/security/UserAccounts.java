package network.noderr.controlplane.security;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creates and finds admin users. Passwords are stored as bcrypt hashes only. */
@Service
public class UserAccounts {

    /** Shortest password accepted for a new user. */
    public static final int MIN_PASSWORD_LENGTH = 12;

    private final UserRepository users;
    private final PasswordEncoder passwordEncoder;

    UserAccounts(UserRepository users, PasswordEncoder passwordEncoder) {
        this.users = users;
        this.passwordEncoder = passwordEncoder;
    }

    /**
     * Creates a user.
     *
     * @throws IllegalArgumentException when the username is taken or malformed or the password too short
     */
    @Transactional
    public UserAccount create(String username, String rawPassword, Role role) {
        if (!username.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException(
                    "Username must be 1-64 characters of letters, digits, '.', '_', '@' or '-'.");
        }
        if (rawPassword.length() < MIN_PASSWORD_LENGTH) {
            throw new IllegalArgumentException(
                    "Password must have at least " + MIN_PASSWORD_LENGTH + " characters.");
        }
        if (users.findByUsername(username).isPresent()) {
            throw new IllegalArgumentException("A user named '" + username + "' already exists.");
        }
        return users.insert(username, passwordEncoder.encode(rawPassword), role);
    }

    /**
     * Changes a user's password after checking the current one.
     *
     * @throws IllegalArgumentException when the current password is wrong or the new one too short or unchanged
     */
    @Transactional
    public void changePassword(String username, String currentPassword, String newPassword) {
        var stored = users.findByUsername(username)
                .orElseThrow(() -> new IllegalArgumentException("Unknown user " + username + "."));
        if (!passwordEncoder.matches(currentPassword, stored.passwordHash())) {
            throw new IllegalArgumentException("The current password is not right. Nothing changed.");
        }
        if (newPassword.length() < MIN_PASSWORD_LENGTH) {
            throw new IllegalArgumentException(
                    "The new password must have at least " + MIN_PASSWORD_LENGTH + " characters.");
        }
        if (newPassword.equals(currentPassword)) {
            throw new IllegalArgumentException("The new password is the current one. Nothing changed.");
        }
        users.updatePasswordHash(stored.account().id(), passwordEncoder.encode(newPassword));
    }

    public Optional<UserAccount> findByUsername(String username) {
        return users.findByUsername(username).map(UserRepository.StoredUser::account);
    }

    public List<UserAccount> list() {
        return users.findAll();
    }

    public Optional<UserAccount> findById(UUID id) {
        return users.findById(id);
    }
}
