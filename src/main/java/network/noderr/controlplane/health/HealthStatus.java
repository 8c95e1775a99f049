package network.noderr.controlplane.health;

import java.util.Locale;

/** A node's health as the API and the engine see it. */
public enum HealthStatus {
    HEALTHY,
    DEGRADED,
    UNHEALTHY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
