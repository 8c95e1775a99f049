package network.noderr.controlplane.security;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * An admin user as other code sees it (never carries the password hash).
 *
 * @param lastLoginAt the last successful dashboard login, null when the user never logged in
 */
public record UserAccount(
        @NonNull UUID id,
        @NonNull String username,
        @NonNull Role role,
        boolean enabled,
        @NonNull Instant createdAt,
        @Nullable Instant lastLoginAt) {}
