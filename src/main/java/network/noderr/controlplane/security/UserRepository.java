package network.noderr.controlplane.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class UserRepository {

    /** A user row including its password hash; stays inside this package. */
    record StoredUser(UserAccount account, String passwordHash) {}

    private final JdbcClient jdbc;

    UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<StoredUser> findByUsername(String username) {
        return jdbc.sql("""
                        SELECT id, username, role, enabled, created_at, password_hash
                        FROM users WHERE lower(username) = lower(:username)""")
                .param("username", username)
                .query(UserRepository::mapStored)
                .optional();
    }

    Optional<UserAccount> findById(UUID id) {
        return jdbc.sql("SELECT id, username, role, enabled, created_at, password_hash FROM users WHERE id = :id")
                .param("id", id)
                .query(UserRepository::mapStored)
                .optional()
                .map(StoredUser::account);
    }

    List<UserAccount> findAll() {
        return jdbc.sql("SELECT id, username, role, enabled, created_at, password_hash FROM users ORDER BY username")
                .query(UserRepository::mapStored)
                .list()
                .stream()
                .map(StoredUser::account)
                .toList();
    }

    UserAccount insert(String username, String passwordHash, Role role) {
        return jdbc.sql("""
                        INSERT INTO users (username, password_hash, role) VALUES (:username, :hash, :role)
                        RETURNING id, username, role, enabled, created_at, password_hash""")
                .param("username", username)
                .param("hash", passwordHash)
                .param("role", role.name())
                .query(UserRepository::mapStored)
                .single()
                .account();
    }

    boolean updatePasswordHash(UUID id, String passwordHash) {
        return jdbc.sql("UPDATE users SET password_hash = :hash WHERE id = :id")
                .param("hash", passwordHash)
                .param("id", id)
                .update() == 1;
    }

    private static StoredUser mapStored(ResultSet rs, int row) throws SQLException {
        var account = new UserAccount(
                rs.getObject("id", UUID.class),
                rs.getString("username"),
                Role.valueOf(rs.getString("role")),
                rs.getBoolean("enabled"),
                rs.getTimestamp("created_at").toInstant());
        return new StoredUser(account, rs.getString("password_hash"));
    }
}
