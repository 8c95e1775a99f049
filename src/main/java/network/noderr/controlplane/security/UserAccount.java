package network.noderr.controlplane.security;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.NonNull;

/** An admin user as other code sees it (never carries the password hash). */
public record UserAccount(
        @NonNull UUID id, @NonNull String username, @NonNull Role role, boolean enabled, @NonNull Instant createdAt) {}
