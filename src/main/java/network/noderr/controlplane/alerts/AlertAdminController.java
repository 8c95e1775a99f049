package network.noderr.controlplane.alerts;

import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.security.Actors;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Management API: alerts, firing ones first, and acknowledging one. */
@RestController
class AlertAdminController {

    private final Alerts alerts;

    AlertAdminController(Alerts alerts) {
        this.alerts = alerts;
    }

    @GetMapping("/api/v1/admin/alerts")
    @PreAuthorize("hasRole('VIEWER')")
    List<AlertView> list(@RequestParam(required = false) @Nullable String status,
            @RequestParam(defaultValue = "100") int limit) {
        return alerts.list(status, limit);
    }

    @PostMapping("/api/v1/admin/alerts/{id}/acknowledge")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    AlertView acknowledge(@PathVariable UUID id) {
        return alerts.acknowledge(id, Actors.currentUsername());
    }
}
