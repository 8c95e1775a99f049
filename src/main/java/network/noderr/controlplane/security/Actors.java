package network.noderr.controlplane.security;

import org.springframework.security.core.context.SecurityContextHolder;

/** Who is acting in the current request, for audit fields such as {@code decided_by}. */
public final class Actors {

    private Actors() {}

    /** The authenticated user's name (an API token acts as its owner). */
    public static String currentUsername() {
        var auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated()) {
            throw new IllegalStateException("No authenticated user in this request");
        }
        return auth.getName();
    }
}
