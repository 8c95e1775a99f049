package network.noderr.controlplane.nodes;

import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Management API: the paged node registry ({@code GET /api/v1/admin/nodes}). */
@RestController
@RequestMapping("/api/v1/admin/nodes")
class NodeAdminController {

    private final NodeRegistry registry;

    NodeAdminController(NodeRegistry registry) {
        this.registry = registry;
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
            @RequestParam(required = false) @Nullable String health,
            @RequestParam(required = false) @Nullable String version,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size,
            @RequestParam(defaultValue = "nodeId,asc") String sort) {
        var parts = sort.split(",", -1);
        if (parts.length > 2 || (parts.length == 2 && !parts[1].matches("(?i)asc|desc"))) {
            throw new InvalidRequestException("sort", "must be 'property' or 'property,asc|desc'");
        }
        var descending = parts.length == 2 && parts[1].equalsIgnoreCase("desc");
        return registry.find(new NodeQuery(tier, health, version, q, page, size, parts[0], descending));
    }
}
