package network.noderr.controlplane.nodes;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import network.noderr.controlplane.shared.HardwareCheck;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import network.noderr.controlplane.shared.Versions;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.util.StringUtils;

/** Reads the node registry with server-side filtering, sorting and paging (built for 100k+ nodes). */
@Service
public class NodeRegistry {

    public static final int MAX_PAGE_SIZE = 500;

    /** Sortable properties and their columns; anything else is refused, so no user text reaches the SQL. */
    private static final Map<String, String> SORT_COLUMNS = Map.ofEntries(
            Map.entry("nodeId", "n.node_id"),
            Map.entry("tier", "n.tier"),
            Map.entry("hostname", "n.hostname"),
            Map.entry("status", "n.status"),
            Map.entry("keyType", "n.key_type"),
            Map.entry("currentVersion", "v.current_version"),
            Map.entry("targetVersion", "v.target_version"),
            Map.entry("cohort", "v.cohort"),
            Map.entry("healthStatus", "v.health_status"),
            Map.entry("lastHealthCheck", "v.last_health_check"),
            Map.entry("registeredAt", "n.registered_at"));

    private static final Set<String> HEALTH_VALUES = Set.of("healthy", "degraded", "unhealthy", "unknown");
    private static final Set<String> COHORT_VALUES = Set.of("canary", "cohort1", "cohort2", "cohort3", "cohort4");

    private final JdbcClient jdbc;

    NodeRegistry(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional(readOnly = true)
    public NodePage find(NodeQuery query) {
        var errors = new LinkedHashMap<String, String>();
        if (query.page() < 0) {
            errors.put("page", "must be 0 or more");
        }
        if (query.size() < 1 || query.size() > MAX_PAGE_SIZE) {
            errors.put("size", "must be between 1 and " + MAX_PAGE_SIZE);
        }
        var sortColumn = query.sort() == null ? "n.node_id" : SORT_COLUMNS.get(query.sort());
        if (sortColumn == null) {
            errors.put("sort", "must be one of " + String.join(", ", SORT_COLUMNS.keySet().stream().sorted().toList()));
        }
        if (query.health() != null && !HEALTH_VALUES.contains(query.health())) {
            errors.put("health", "must be one of healthy, degraded, unhealthy, unknown");
        }
        if (query.cohort() != null && !COHORT_VALUES.contains(query.cohort())) {
            errors.put("cohort", "must be one of canary, cohort1, cohort2, cohort3, cohort4");
        }
        if (query.version() != null && query.version().length() > 50) {
            errors.put("version", "must be at most 50 characters");
        }
        if (query.text() != null && query.text().length() > 255) {
            errors.put("text", "must be at most 255 characters");
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }

        var where = new ArrayList<String>();
        var params = new HashMap<String, Object>();
        if (query.tier() != null) {
            where.add("n.tier = :tier");
            params.put("tier", query.tier().name());
        }
        if (query.status() != null) {
            where.add("n.status = :status");
            params.put("status", query.status().name());
        }
        if (query.health() != null) {
            if (query.health().equals("unknown")) {
                where.add("v.health_status IS NULL");
            } else {
                where.add("v.health_status = :health");
                params.put("health", query.health());
            }
        }
        if (StringUtils.hasText(query.version())) {
            where.add("v.current_version = :version");
            params.put("version", query.version());
        }
        if (query.cohort() != null) {
            where.add("v.cohort = :cohort");
            params.put("cohort", query.cohort());
        }
        if (StringUtils.hasText(query.text())) {
            where.add("(n.node_id ILIKE :text ESCAPE '\\' OR n.hostname ILIKE :text ESCAPE '\\')");
            params.put("text", "%" + escapeLike(query.text().strip()) + "%");
        }
        var whereSql = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
        var direction = query.descending() ? "DESC" : "ASC";
        // node_id breaks ties so pages are stable; NULLs (never reported) sort last either way.
        // NULLS LAST only where a value can be missing (node_versions, through the LEFT JOIN): on the node's own
        // NOT NULL columns it would keep PostgreSQL from reading a descending page backwards from its index.
        var nulls = sortColumn.startsWith("v.") ? " NULLS LAST" : "";
        var order = " ORDER BY " + sortColumn + " " + direction + nulls
                + (sortColumn.equals("n.node_id") ? "" : ", n.node_id " + direction);

        long total = jdbc.sql("SELECT count(*) FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id"
                        + whereSql)
                .params(params)
                .query(Long.class)
                .single();
        List<NodeSummary> items = jdbc.sql("""
                        SELECT n.node_id, n.tier, n.hostname, n.status, n.key_type, n.registered_at,
                               v.current_version, v.target_version, v.cohort, v.health_status, v.last_health_check
                        FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id""" + whereSql + order + " LIMIT :limit OFFSET :offset")
                .params(params)
                .param("limit", query.size())
                .param("offset", (long) query.page() * query.size())
                .query(NodeRegistry::mapRow)
                .list();
        return new NodePage(items, total, query.page(), query.size());
    }

    /** The versions nodes run now (a node that has not said yet has none), newest first by semantic version where they parse, for the registry's filter. */
    @Transactional(readOnly = true)
    public List<String> versionsInUse() {
        var versions = new ArrayList<>(jdbc.sql(
                        "SELECT DISTINCT current_version FROM node_versions WHERE current_version IS NOT NULL")
                .query(String.class)
                .list());
        versions.sort(Versions.ORDER.reversed());
        return versions;
    }


    /**
     * How many active nodes of {@code tier} run each version (nodes that have not said yet are left out): what a
     * publish would move them from.
     */
    @Transactional(readOnly = true)
    public Map<String, Long> runningVersions(Tier tier) {
        var counts = new LinkedHashMap<String, Long>();
        jdbc.sql("""
                        SELECT v.current_version, count(*)
                        FROM nodes n JOIN node_versions v ON v.node_id = n.node_id
                        WHERE n.tier = :tier AND n.status = 'ACTIVE' AND v.current_version IS NOT NULL
                        GROUP BY v.current_version""")
                .param("tier", tier.name())
                .query(rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        return counts;
    }

    /**
     * The whole registry in one aggregate: node counts per tier, status, health and running version. One pass over
     * the registry (a hash aggregate), whatever its size; the number of rows is bounded by the versions in use.
     */
    @Transactional(readOnly = true)
    public List<NodeCount> counts() {
        return jdbc.sql("""
                        SELECT n.tier, n.status, v.health_status, v.current_version, count(*) AS nodes
                        FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id
                        GROUP BY n.tier, n.status, v.health_status, v.current_version""")
                .query((rs, i) -> new NodeCount(Tier.valueOf(rs.getString(1)), NodeStatus.valueOf(rs.getString(2)),
                        rs.getString(3), rs.getString(4), rs.getLong(5)))
                .list();
    }

    /** The node's details with its latest {@code updates} update reports, newest first; empty if unknown. */
    public java.util.Optional<NodeDetails> details(String nodeId, int updates) {
        return jdbc.sql("""
                        SELECT n.node_id, n.tier, n.hostname, n.status, n.key_type, n.registered_at,
                               v.current_version, v.target_version, v.cohort, v.health_status, v.last_health_check,
                               n.application_id, n.cpu_cores, n.memory_gb, n.disk_gb, n.network_mbps, n.gpu,
                               n.key_rotated_at, n.last_authenticated_at, n.last_address,
                               n.suspension_reason, n.suspended_by, n.suspended_at
                        FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id
                        WHERE n.node_id = :id""")
                .param("id", nodeId)
                .query((rs, i) -> {
                    var node = mapRow(rs, i);
                    var hardware = new NodeDetails.Hardware((Integer) rs.getObject("cpu_cores"),
                            (Integer) rs.getObject("memory_gb"), (Integer) rs.getObject("disk_gb"),
                            (Integer) rs.getObject("network_mbps"), (Boolean) rs.getObject("gpu"));
                    return new NodeDetails(node, rs.getString("application_id"), hardware,
                            instant(rs, "key_rotated_at"), instant(rs, "last_authenticated_at"),
                            rs.getString("last_address"), updates(nodeId, updates),
                            HardwareCheck.of(node.tier(), hardware.cpuCores(), hardware.memoryGb(),
                                    hardware.diskGb(), hardware.networkMbps()),
                            node.status() == NodeStatus.SUSPENDED
                                    ? new NodeDetails.Suspension(rs.getString("suspension_reason"),
                                            rs.getString("suspended_by"), instant(rs, "suspended_at"))
                                    : null);
                })
                .optional();
    }

    private List<NodeDetails.UpdateReport> updates(String nodeId, int limit) {
        return jdbc.sql("""
                        SELECT from_version, to_version, result, duration_ms, reason, cohort, reported_at
                        FROM update_reports WHERE node_id = :id ORDER BY reported_at DESC, id DESC LIMIT :limit""")
                .param("id", nodeId)
                .param("limit", limit)
                .query((rs, i) -> new NodeDetails.UpdateReport(rs.getString("from_version"),
                        rs.getString("to_version"), rs.getString("result"), rs.getLong("duration_ms"),
                        rs.getString("reason"), rs.getString("cohort"), rs.getTimestamp("reported_at").toInstant()))
                .list();
    }

    private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        var t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static NodeSummary mapRow(ResultSet rs, int row) throws SQLException {
        var lastCheck = rs.getTimestamp("last_health_check");
        return new NodeSummary(
                rs.getString("node_id"),
                Tier.valueOf(rs.getString("tier")),
                rs.getString("hostname"),
                NodeStatus.valueOf(rs.getString("status")),
                KeyType.valueOf(rs.getString("key_type")),
                rs.getString("current_version"),
                rs.getString("target_version"),
                rs.getString("cohort"),
                rs.getString("health_status"),
                lastCheck == null ? null : lastCheck.toInstant(),
                rs.getTimestamp("registered_at").toInstant());
    }
}
