package network.noderr.controlplane.security;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates, finds and changes admin users. Passwords are stored as bcrypt hashes only. Changes that could take the
 * last admin away are refused: an admin cannot demote or disable their own account, and the last enabled admin
 * stays an enabled admin. An admin cannot reset their own password either (they change it on My account).
 */
@Service
public class UserAccounts {

    /** Shortest password accepted. */
    public static final int MIN_PASSWORD_LENGTH = 12;

    /** Longest password accepted (bcrypt reads at most 72 bytes; this only bounds the input). */
    public static final int MAX_PASSWORD_LENGTH = 200;

    /** What a username may look like. */
    public static final String USERNAME_PATTERN = "[A-Za-z0-9._@-]{1,64}";

    private final UserRepository users;
    private final PasswordEncoder passwordEncoder;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    UserAccounts(UserRepository users, PasswordEncoder passwordEncoder, Clock clock) {
        this.users = users;
        this.passwordEncoder = passwordEncoder;
        this.clock = clock;
    }

    /** A password set by an admin: {@code generatedPassword} is only present (and shown once) when generated. */
    public record PasswordReset(
            @NonNull String username,
            @Nullable String generatedPassword) {}

    /**
     * Creates a user.
     *
     * @throws InvalidRequestException when the username is malformed or the password too short
     * @throws ProblemException 409 {@code user-exists} when the username is taken (case-insensitively)
     */
    @Transactional
    public UserAccount create(String username, String rawPassword, Role role) {
        if (username == null || !username.matches(USERNAME_PATTERN)) {
            throw new InvalidRequestException("username", "use 1-64 letters, digits, '.', '_', '@' or '-'");
        }
        checkPassword("password", rawPassword);
        if (users.findByUsername(username).isPresent()) {
            throw new ProblemException(409, "user-exists", "User exists",
                    "A user named '" + username + "' already exists. Choose another name.");
        }
        return users.insert(username, passwordEncoder.encode(rawPassword), role);
    }

    /**
     * Changes a user's password after checking the current one.
     *
     * @return when it changed: the user's dashboard sessions logged in before then end (see {@link SessionLogins})
     * @throws InvalidRequestException on {@code currentPassword} when it is wrong, on {@code newPassword} when it is
     *     too short or unchanged
     */
    @Transactional
    public Instant changePassword(String username, String currentPassword, String newPassword) {
        var stored = users.findByUsername(username)
                .orElseThrow(() -> new IllegalStateException("Unknown user " + username));
        if (!passwordEncoder.matches(currentPassword, stored.passwordHash())) {
            throw new InvalidRequestException("currentPassword",
                    "The current password is not right. Nothing changed.");
        }
        checkPassword("newPassword", newPassword);
        if (newPassword.equals(currentPassword)) {
            throw new InvalidRequestException("newPassword", "The new password is the current one. Nothing changed.");
        }
        var now = storedNow();
        users.updatePasswordHash(stored.account().id(), passwordEncoder.encode(newPassword), now);
        return now;
    }

    /**
     * Gives a user a new role.
     *
     * @param actor who asks (an admin cannot demote themself)
     * @throws ProblemException 404 {@code user-unknown}; 409 {@code own-account} or {@code last-admin}
     */
    @Transactional
    public UserAccount changeRole(String actor, UUID id, Role role) {
        var enabledAdmins = users.lockEnabledAdmins();
        var user = get(id);
        if (user.role() == role) {
            return user;
        }
        if (user.role() == Role.ADMIN) {
            guardAdminLoss(actor, user, enabledAdmins, "demote");
        }
        return users.updateRole(id, role);
    }

    /**
     * Enables or disables a user. A disabled user cannot log in, their dashboard sessions end at their next request
     * and their API tokens are refused until they are enabled again.
     *
     * @throws ProblemException 404 {@code user-unknown}; 409 {@code own-account} or {@code last-admin}
     */
    @Transactional
    public UserAccount setEnabled(String actor, UUID id, boolean enabled) {
        var enabledAdmins = users.lockEnabledAdmins();
        var user = get(id);
        if (user.enabled() == enabled) {
            return user;
        }
        if (!enabled && user.role() == Role.ADMIN) {
            guardAdminLoss(actor, user, enabledAdmins, "disable");
        }
        return users.updateEnabled(id, enabled);
    }

    /**
     * Sets a user's password without the current one (an admin helping a user who lost it). Their open dashboard
     * sessions end at their next request. Not for the admin's own account: that would end the admin's own session
     * (and with it the generated password shown once), and it would let whoever holds the session set a password
     * without knowing the current one; {@link #changePassword} on My account is the way.
     *
     * @param actor who asks
     * @param newPassword the password to set, or null to generate one (returned once, never stored in clear)
     * @throws ProblemException 404 {@code user-unknown}; 409 {@code own-account}
     */
    @Transactional
    public PasswordReset resetPassword(String actor, UUID id, @Nullable String newPassword) {
        var user = get(id);
        if (user.username().equalsIgnoreCase(actor)) {
            throw new ProblemException(409, "own-account", "Not on your own account",
                    "You cannot reset your own password here: use My account to change your own password.");
        }
        String password = newPassword;
        if (password == null || password.isEmpty()) {
            password = generatePassword();
        } else {
            checkPassword("password", password);
        }
        users.updatePasswordHash(id, passwordEncoder.encode(password), storedNow());
        return new PasswordReset(user.username(), newPassword == null || newPassword.isEmpty() ? password : null);
    }

    /** Notes a successful dashboard login. */
    @Transactional
    public void recordLogin(String username) {
        users.recordLogin(username, clock.instant());
    }

    public Optional<UserAccount> findByUsername(String username) {
        return users.findByUsername(username).map(UserRepository.StoredUser::account);
    }

    /**
     * Whether a sign-in in use since {@code since} still stands: the user exists, is enabled, and has not changed
     * their password since then (as {@link SessionAccountFilter} rules for sessions). For what outlives the requests
     * that filter sees, such as a push stream.
     */
    public boolean signInStands(String username, Instant since) {
        return users.findByUsername(username)
                .filter(user -> user.account().enabled())
                .filter(user -> user.passwordChangedAt() == null || !user.passwordChangedAt().isAfter(since))
                .isPresent();
    }

    /** The user with what a session check needs (enabled, role, when the password changed). */
    Optional<UserRepository.StoredUser> findStored(String username) {
        return users.findByUsername(username);
    }

    public List<UserAccount> list() {
        return users.findAll();
    }

    public Optional<UserAccount> findById(UUID id) {
        return users.findById(id);
    }

    /**
     * The user with this id.
     *
     * @throws ProblemException 404 {@code user-unknown}
     */
    public UserAccount get(UUID id) {
        return users.findById(id).orElseThrow(() -> new ProblemException(404, "user-unknown", "No such user",
                "There is no user " + id + ". Reload the user list."));
    }

    /** Now as PostgreSQL stores it (microseconds; it would round nanoseconds, possibly up). */
    private Instant storedNow() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** 144 random bits as 24 URL-safe characters. */
    String generatePassword() {
        var bytes = new byte[18];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void checkPassword(String field, @Nullable String password) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            throw new InvalidRequestException(field, "must have at least " + MIN_PASSWORD_LENGTH + " characters");
        }
        if (password.length() > MAX_PASSWORD_LENGTH) {
            throw new InvalidRequestException(field, "must have at most " + MAX_PASSWORD_LENGTH + " characters");
        }
    }

    private static void guardAdminLoss(String actor, UserAccount admin, List<UUID> enabledAdmins, String verb) {
        if (admin.username().equalsIgnoreCase(actor)) {
            throw new ProblemException(409, "own-account", "Not on your own account",
                    "You cannot " + verb + " your own account. Ask another admin to do it.");
        }
        if (admin.enabled() && enabledAdmins.size() <= 1 && enabledAdmins.contains(admin.id())) {
            throw new ProblemException(409, "last-admin", "Last admin",
                    "'" + admin.username() + "' is the last enabled admin; without one nobody could manage users. "
                            + "Make another user an admin first.");
        }
    }
}
