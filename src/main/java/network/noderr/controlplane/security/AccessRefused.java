package network.noderr.controlplane.security;

/**
 * Spring Security refused a management-API change (no or bad credentials: 401; a role too low: 403) before it reached
 * the application. Published so the audit log also has the attempts that were turned away.
 *
 * @param actor the authenticated name, or {@code anonymous}
 * @param action {@code METHOD path}
 */
public record AccessRefused(String actor, String action, int status, String sourceAddress) {}
