package network.noderr.controlplane.security;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The first admin, created on first start when no user of that name exists.
 *
 * @param username {@code NODERR_ADMIN_USERNAME}, default {@code admin}
 * @param password {@code NODERR_ADMIN_PASSWORD}; when empty a random one is generated and logged once
 * @param apiToken {@code NODERR_ADMIN_API_TOKEN}; when set, registered as an API token of this admin (for automation
 *     of a fresh install)
 */
@ConfigurationProperties("noderr.admin")
public record BootstrapAdminProperties(
        @DefaultValue("admin") String username, @Nullable String password, @Nullable String apiToken) {}
