package network.noderr.controlplane.nodes;

import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Management API: the paged node registry, suspend and reinstate. */
@RestController
@RequestMapping("/api/v1/admin/nodes")
class NodeAdminController {

    private final NodeRegistry registry;
    private final NodeIdentity identity;

    NodeAdminController(NodeRegistry registry, NodeIdentity identity) {
        this.registry = registry;
        this.identity = identity;
    }

    /**
     * Lists nodes.
     *
     * @param sort {@code property} or {@code property,asc|desc}, e.g. {@code lastHealthCheck,desc}
     */
    @GetMapping
    @PreAuthorize("hasRole('VIEWER')")
    NodePage list(
            @RequestParam(required = false) @Nullable Tier tier,
            @RequestParam(required = false) @Nullable NodeStatus status,
            @RequestParam(required = false) @Nullable String health,
            @RequestParam(required = false) @Nullable String version,
            @RequestParam(required = false) @Nullable String cohort,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size,
            @RequestParam(defaultValue = "nodeId,asc") String sort) {
        var parts = sort.split(",", -1);
        if (parts.length > 2 || (parts.length == 2 && !parts[1].matches("(?i)asc|desc"))) {
            throw new InvalidRequestException("sort", "must be 'property' or 'property,asc|desc'");
        }
        var descending = parts.length == 2 && parts[1].equalsIgnoreCase("desc");
        try {
            return registry.find(new NodeQuery(tier, status, health, version, cohort, q, page, size, parts[0],
                    descending));
        } catch (InvalidRequestException e) {
            // The query's search text is the parameter q here: errors name the parameters sent.
            var errors = new java.util.LinkedHashMap<String, String>();
            e.fieldErrors().forEach((field, message) -> errors.put(field.equals("text") ? "q" : field, message));
            throw new InvalidRequestException(errors);
        }
    }

    /** One node in full, with its latest update reports (its version history). */
    @GetMapping("/{nodeId}")
    @PreAuthorize("hasRole('VIEWER')")
    NodeDetails details(@PathVariable String nodeId, @RequestParam(defaultValue = "50") int updates) {
        if (updates < 1 || updates > 500) {
            throw new InvalidRequestException("updates", "must be 1 to 500");
        }
        return registry.details(nodeId, updates).orElseThrow(() -> new ProblemException(404, "node-unknown",
                "No such node", "There is no node " + nodeId + "."));
    }

    /**
     * Suspended nodes get 403 on every node endpoint, including authentication, until reinstated. The body is optional:
     * {@code {"reason": "…"}} is kept with the suspension like the dashboard's (1 to 200 characters on one line); who
     * suspended is kept either way.
     */
    @PostMapping("/{nodeId}/suspend")
    @PreAuthorize("hasRole('ADMIN')")
    StatusChange suspend(@PathVariable String nodeId, @RequestBody(required = false) @Nullable Suspension body) {
        var actor = Actors.currentUsername();
        var reason = body == null ? null : body.reason();
        boolean found = reason == null ? identity.suspendWithoutReason(nodeId, actor)
                : identity.suspend(nodeId, reason, actor);
        if (!found) {
            throw unknown(nodeId);
        }
        return new StatusChange(nodeId, NodeStatus.SUSPENDED);
    }

    /** The optional body of a suspension. */
    record Suspension(@Nullable String reason) {}

    @PostMapping("/{nodeId}/reinstate")
    @PreAuthorize("hasRole('ADMIN')")
    StatusChange reinstate(@PathVariable String nodeId) {
        return change(nodeId, NodeStatus.ACTIVE);
    }

    record StatusChange(String nodeId, NodeStatus status) {}

    private StatusChange change(String nodeId, NodeStatus status) {
        if (!identity.setStatus(nodeId, status)) {
            throw unknown(nodeId);
        }
        return new StatusChange(nodeId, status);
    }

    private static ProblemException unknown(String nodeId) {
        return new ProblemException(404, "node-unknown", "Unknown node", "No node " + nodeId + " is registered.");
    }
}
