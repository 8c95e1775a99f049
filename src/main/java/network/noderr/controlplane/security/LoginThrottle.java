package network.noderr.controlplane.security;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Brute-force protection for the dashboard's password login: failed logins are counted per source address
 * ({@code login-address}) and per username ({@code login-user}) in token buckets; while either bucket is empty,
 * further attempts are refused before the password is checked. A successful login takes nothing. The buckets are
 * shared by all replicas (in PostgreSQL, {@link SharedBuckets}), so a load balancer spreading the guesses over N
 * replicas does not give N budgets.
 */
@Component
public class LoginThrottle {

    static final String ADDRESS = "login-address";
    static final String USER = "login-user";
    private static final int MAX_USERNAME_KEY = 200;

    /** Recorded for a login attempt whose name no account has. */
    static final String UNKNOWN_USER = "(unknown user name)";

    private final RateLimitProperties properties;
    private final SharedBuckets buckets;
    private final UserRepository users;

    LoginThrottle(RateLimitProperties properties, SharedBuckets buckets, UserRepository users) {
        this.properties = properties;
        this.buckets = buckets;
        this.users = users;
    }

    /**
     * Who a login attempt is recorded as (audit log, application log): the account's name when one has the typed
     * name; otherwise {@link #UNKNOWN_USER}, since what was typed may be a password in the wrong field (and is text
     * from outside, line breaks included); {@code anonymous} when nothing was typed.
     */
    String recordedName(String typed) {
        if (typed == null || typed.isBlank()) {
            return AccessRefused.ANONYMOUS;
        }
        return users.findByUsername(typed.strip()).map(u -> u.account().username()).orElse(UNKNOWN_USER);
    }

    /**
     * How long until this address and username may try again; empty when both may try now.
     *
     * @throws org.springframework.dao.TransientDataAccessResourceException when the buckets cannot be read in time
     */
    public Optional<Duration> refusal(String address, String username) {
        var wait = max(waitFor(ADDRESS, address), waitFor(USER, userKey(username)));
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /**
     * Counts one failed login against the address and the username.
     *
     * @throws org.springframework.dao.TransientDataAccessResourceException when the buckets cannot be counted in time
     */
    public void failed(String address, String username) {
        SharedBuckets.counted(ADDRESS, () -> bucket(ADDRESS, address).tryConsume(1));
        SharedBuckets.counted(USER, () -> bucket(USER, userKey(username)).tryConsume(1));
    }

    private Duration waitFor(String limit, String key) {
        var probe = SharedBuckets.counted(limit, () -> bucket(limit, key).estimateAbilityToConsume(1));
        return probe.canBeConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill());
    }

    private Bucket bucket(String limit, String key) {
        return buckets.bucket(limit, properties.limit(limit), key);
    }

    /** Usernames are matched without regard to case, so {@code Admin} and {@code admin} share one budget. */
    private static String userKey(String username) {
        var key = username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
        return key.length() > MAX_USERNAME_KEY ? key.substring(0, MAX_USERNAME_KEY) : key;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
