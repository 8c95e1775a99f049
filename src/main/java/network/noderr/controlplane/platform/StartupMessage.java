package network.noderr.controlplane.platform;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells the person who started the control plane where to open it. */
@Component
class StartupMessage {

    private static final Logger log = LoggerFactory.getLogger(StartupMessage.class);

    @EventListener
    void onReady(ApplicationReadyEvent event) {
        if (event.getApplicationContext() instanceof WebServerApplicationContext web && web.getWebServer() != null) {
            var environment = event.getApplicationContext().getEnvironment();
            log.info("Noderr control plane is up: open http://localhost:{}/ and log in as '{}' {}",
                    web.getWebServer().getPort(), environment.getProperty("noderr.admin.username", "admin"),
                    loginHint(environment.getProperty("noderr.admin.password")));
        }
    }

    /** Where the bootstrap admin's password comes from: it is set once, when the database is new. */
    static String loginHint(@Nullable String passwordFromEnvironment) {
        return passwordFromEnvironment == null || passwordFromEnvironment.isBlank()
                ? "(the very first start prints its generated password above, once; later starts keep the password)"
                : "(its password is the NODERR_ADMIN_PASSWORD of the very first start; later starts keep the password)";
    }
}
