package network.noderr.controlplane.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Creates the bootstrap admin on first start. A generated password is logged exactly once, at creation; a password
 * given by environment is never logged. Later starts change nothing (a changed env password is not re-applied).
 * Runs after the migrations and before the web server opens, so no request ever sees a system without an admin.
 */
@Component
class BootstrapAdmin implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(BootstrapAdmin.class);
    private static final String BOOTSTRAP_TOKEN_NAME = "bootstrap (NODERR_ADMIN_API_TOKEN)";

    private final BootstrapAdminProperties properties;
    private final UserAccounts users;
    private final ApiTokens tokens;

    BootstrapAdmin(BootstrapAdminProperties properties, UserAccounts users, ApiTokens tokens) {
        this.properties = properties;
        this.users = users;
        this.tokens = tokens;
    }

    @Override
    public void afterSingletonsInstantiated() {
        ensureAdmin();
    }

    void ensureAdmin() {
        var admin = users.findByUsername(properties.username()).orElseGet(this::createAdmin);
        var apiToken = properties.apiToken();
        if (StringUtils.hasText(apiToken) && tokens.registerSupplied(admin.id(), BOOTSTRAP_TOKEN_NAME, apiToken)) {
            log.info("Registered the bootstrap API token for '{}' from NODERR_ADMIN_API_TOKEN", admin.username());
        }
    }

    private UserAccount createAdmin() {
        var given = properties.password();
        if (StringUtils.hasText(given)) {
            var admin = users.create(properties.username(), given, Role.ADMIN);
            log.info("Created bootstrap admin '{}' with the password from NODERR_ADMIN_PASSWORD", admin.username());
            return admin;
        }
        var generated = users.generatePassword();
        var admin = users.create(properties.username(), generated, Role.ADMIN);
        // Printed once by design: this is the only way to the first login when no password was configured.
        log.warn("""

                ==================================================================
                 Bootstrap admin created: user '{}' password '{}'
                 This password is shown only now. Log in and keep it safe, or set
                 NODERR_ADMIN_PASSWORD before the first start instead.
                ==================================================================""",
                admin.username(), generated);
        return admin;
    }
}
