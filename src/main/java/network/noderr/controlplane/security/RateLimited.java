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
}
