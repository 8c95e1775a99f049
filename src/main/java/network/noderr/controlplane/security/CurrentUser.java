package network.noderr.controlplane.security;

import java.util.List;
import org.jspecify.annotations.NonNull;

/**
 * The logged-in user as the browser sees it.
 *
 * @param roles role names without the {@code ROLE_} prefix, including implied roles (an ADMIN also has VIEWER)
 * @param role the user's own role, for display
 */
public record CurrentUser(@NonNull String username, @NonNull String role, @NonNull List<@NonNull String> roles) {}
