package network.noderr.controlplane.platform;

import java.time.Clock;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Public liveness check for nodes, installers and load balancers ({@code GET /api/v1/health-check}). */
@RestController
class HealthCheckController {

    record HealthCheck(String status, Instant timestamp) {}

    private final Clock clock;

    HealthCheckController(Clock clock) {
        this.clock = clock;
    }

    @GetMapping("/api/v1/health-check")
    HealthCheck healthCheck() {
        return new HealthCheck("ok", clock.instant());
    }
}
