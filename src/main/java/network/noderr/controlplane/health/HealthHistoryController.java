package network.noderr.controlplane.health;

import java.util.List;
import network.noderr.controlplane.shared.ProblemException;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Management API: a node's latest health reports, newest first (in the order they were stored); 404 for a node that
 * is not registered, as its details answer.
 */
@RestController
class HealthHistoryController {

    private final HealthHistory history;

    HealthHistoryController(HealthHistory history) {
        this.history = history;
    }

    @GetMapping("/api/v1/admin/nodes/{nodeId}/health")
    @PreAuthorize("hasRole('VIEWER')")
    List<StoredHealthReport> history(@PathVariable String nodeId, @RequestParam(defaultValue = "100") int limit) {
        var reports = history.latest(nodeId, limit);
        if (reports.isEmpty() && !history.registered(nodeId)) {
            throw new ProblemException(404, "node-unknown", "Unknown node", "No node " + nodeId + " is registered.");
        }
        return reports;
    }

    /** Why the node has the health the registry shows (the limits its latest report crossed, or its silence). */
    @GetMapping("/api/v1/admin/nodes/{nodeId}/health/why")
    @PreAuthorize("hasRole('VIEWER')")
    HealthExplanation why(@PathVariable String nodeId) {
        return history.explain(nodeId).orElseThrow(() -> new ProblemException(404, "node-unknown", "Unknown node",
                "No node " + nodeId + " is registered."));
    }
}
