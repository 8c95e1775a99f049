package network.noderr.controlplane.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Applies the named per-address limit ({@code noderr.rate-limits.limits.<name>}) to a controller method. It is
 * checked before the body is read or validated, so malformed requests count too.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface RateLimited {

    String value();

    /** Where the limit is counted; shared by all replicas unless the endpoint is high-volume. */
    Scope scope() default Scope.SHARED;

    /** Where a limit's buckets are kept. */
    enum Scope {
        /**
         * In PostgreSQL, one budget for all replicas together (one short transaction per request): for low-volume
         * public endpoints, where N replicas must not give an attacker N budgets.
         */
        SHARED,
        /**
         * In memory, one budget per replica: for high-volume endpoints (such as node health reports), where a
         * database round trip per request would cost more than the limit protects.
         */
        REPLICA
    }
}
