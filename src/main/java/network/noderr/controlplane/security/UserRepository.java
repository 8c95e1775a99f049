package network.noderr.controlplane.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class UserRepository {

    /** A user row including its password hash; stays inside this package. */
    record StoredUser(UserAccount account, String passwordHash, @Nullable Instant passwordChangedAt) {}

    private static final String COLUMNS = "id, username, role, enabled, created_at, last_login_at, password_hash, password_changed_at";

    private final JdbcClient jdbc;

    UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The account with this name, ignoring case. A name no account could have (see
     * {@link UserAccounts#USERNAME_PATTERN}: ASCII only) finds none: PostgreSQL's {@code lower()} folds some other
     * letters onto ASCII ones ("İ" onto "i"), so such a name would find an account under a spelling of its own, and
     * a login throttle budget of its own.
     */
    Optional<StoredUser> findByUsername(String username) {
        if (username == null || !username.matches(UserAccounts.USERNAME_PATTERN)) {
            return Optional.empty();
        }
        return jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE lower(username) = lower(:username)")
                .param("username", username)
                .query(UserRepository::mapStored)
                .optional();
    }

    Optional<UserAccount> findById(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE id = :id")
                .param("id", id)
                .query(UserRepository::mapStored)
                .optional()
                .map(StoredUser::account);
    }

    List<UserAccount> findAll() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM users ORDER BY lower(username)")
                .query(UserRepository::mapStored)
                .list()
                .stream()
                .map(StoredUser::account)
                .toList();
    }

    UserAccount insert(String username, String passwordHash, Role role) {
        return jdbc.sql("INSERT INTO users (username, password_hash, role) VALUES (:username, :hash, :role) RETURNING "
                        + COLUMNS)
                .param("username", username)
                .param("hash", passwordHash)
                .param("role", role.name())
                .query(UserRepository::mapStored)
                .single()
                .account();
    }

    boolean updatePasswordHash(UUID id, String passwordHash, Instant changedAt) {
        return jdbc.sql("""
                        UPDATE users SET password_hash = :hash, password_changed_at = :changed, updated_at = now()
                        WHERE id = :id""")
                .param("hash", passwordHash)
                .param("changed", Timestamp.from(changedAt))
                .param("id", id)
                .update() == 1;
    }

    UserAccount updateRole(UUID id, Role role) {
        return jdbc.sql("UPDATE users SET role = :role, updated_at = now() WHERE id = :id RETURNING " + COLUMNS)
                .param("role", role.name())
                .param("id", id)
                .query(UserRepository::mapStored)
                .single()
                .account();
    }

    UserAccount updateEnabled(UUID id, boolean enabled) {
        return jdbc.sql("UPDATE users SET enabled = :enabled, updated_at = now() WHERE id = :id RETURNING " + COLUMNS)
                .param("enabled", enabled)
                .param("id", id)
                .query(UserRepository::mapStored)
                .single()
                .account();
    }

    void recordLogin(String username, Instant at) {
        jdbc.sql("UPDATE users SET last_login_at = :at WHERE lower(username) = lower(:username)")
                .param("at", Timestamp.from(at))
                .param("username", username)
                .update();
    }

    /**
     * Ids of the enabled admins, with their rows locked until the transaction ends: two admins demoting or
     * disabling each other at the same moment are serialised here, so the second sees the first's change.
     */
    List<UUID> lockEnabledAdmins() {
        return jdbc.sql("SELECT id FROM users WHERE role = 'ADMIN' AND enabled ORDER BY id FOR UPDATE")
                .query(UUID.class)
                .list();
    }

    private static StoredUser mapStored(ResultSet rs, int row) throws SQLException {
        var lastLogin = rs.getTimestamp("last_login_at");
        var account = new UserAccount(
                rs.getObject("id", UUID.class),
                rs.getString("username"),
                Role.valueOf(rs.getString("role")),
                rs.getBoolean("enabled"),
                rs.getTimestamp("created_at").toInstant(),
                lastLogin == null ? null : lastLogin.toInstant());
        var changed = rs.getTimestamp("password_changed_at");
        return new StoredUser(account, rs.getString("password_hash"), changed == null ? null : changed.toInstant());
    }
}
