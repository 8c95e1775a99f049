package network.noderr.controlplane.shared;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a browser-callable (Hilla) method that changes something: each call goes to the audit log with who, from
 * where and the outcome. Management API calls that change something (POST, PUT, PATCH, DELETE under
 * {@code /api/v1/admin/}) are audited without it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Audited {}
