package network.noderr.controlplane.security;

import org.jspecify.annotations.Nullable;

/**
 * Spring Security refused a management-API change (no or bad credentials: 401; a role too low: 403) before it reached
 * the application, or the login throttle refused a login. Published so the audit log also has the attempts that were
 * turned away.
 *
 * @param actor the authenticated name, or {@code anonymous}
 * @param action {@code METHOD path}
 * @param detail for a summary of refusals that were counted rather than recorded one by one, how many
 */
public record AccessRefused(String actor, String action, int status, @Nullable String sourceAddress,
        @Nullable String detail) {

    public static final String ANONYMOUS = "anonymous";

    public AccessRefused(String actor, String action, int status, String sourceAddress) {
        this(actor, action, status, sourceAddress, null);
    }

    /**
     * The anonymous refused changes from {@code source} (an address, an IPv6 /64, or {@code *} for sources beyond
     * the per-minute limit) in the minute after the one recorded, that were only counted.
     */
    static AccessRefused collapsed(String source, long more) {
        return new AccessRefused(ANONYMOUS, "further refused management-API changes", 401, source,
                more + (more == 1 ? " more request" : " more requests") + " refused in the minute after the entry "
                        + "recorded for " + (CollapsedReports.OVERFLOW.equals(source)
                                ? "sources beyond the first " + ProblemResponses.ANONYMOUS_SOURCES_PER_MINUTE
                                : "this source")
                        + "; recorded one by one no more than once a minute per source");
    }

    /**
     * The refused changes of the authenticated {@code user} (or of {@code *}, users beyond the per-minute limit) in
     * the minute after their first, beyond the ones recorded one by one, that were only counted.
     */
    static AccessRefused collapsedOfUser(String user, long more) {
        return new AccessRefused(user, "further refused management-API changes", 403, null,
                more + (more == 1 ? " more request" : " more requests") + " refused in the minute after the first "
                        + ProblemResponses.USER_REFUSALS_PER_MINUTE + " recorded for "
                        + (CollapsedReports.OVERFLOW.equals(user)
                                ? "users beyond the first " + ProblemResponses.USERS_PER_MINUTE
                                : "this user")
                        + "; recorded one by one no more than " + ProblemResponses.USER_REFUSALS_PER_MINUTE
                        + " times a minute per user");
    }
}
