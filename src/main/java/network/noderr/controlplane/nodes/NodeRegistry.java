package network.noderr.controlplane.nodes;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.util.StringUtils;

/** Reads the node registry with server-side filtering, sorting and paging (built for 100k+ nodes). */
@Service
public class NodeRegistry {

    public static final int MAX_PAGE_SIZE = 500;

    /** Sortable properties and their columns; anything else is refused, so no user text reaches the SQL. */
    private static final Map<String, String> SORT_COLUMNS = Map.of(
            "nodeId", "node_id",
            "tier", "tier",
            "currentVersion", "current_version",
            "targetVersion", "target_version",
            "cohort", "cohort",
            "healthStatus", "health_status",
            "lastHealthCheck", "last_health_check",
            "registeredAt", "created_at");

    private static final Set<String> HEALTH_VALUES = Set.of("healthy", "degraded", "unhealthy", "unknown");

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
        var sortColumn = query.sort() == null ? "node_id" : SORT_COLUMNS.get(query.sort());
        if (sortColumn == null) {
            errors.put("sort", "must be one of " + String.join(", ", SORT_COLUMNS.keySet().stream().sorted().toList()));
        }
        if (query.health() != null && !HEALTH_VALUES.contains(query.health())) {
            errors.put("health", "must be one of healthy, degraded, unhealthy, unknown");
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }

        var where = new ArrayList<String>();
        var params = new HashMap<String, Object>();
        if (query.tier() != null) {
            where.add("tier = :tier");
            params.put("tier", query.tier().name());
        }
        if (query.health() != null) {
            if (query.health().equals("unknown")) {
                where.add("health_status IS NULL");
            } else {
                where.add("health_status = :health");
                params.put("health", query.health());
            }
        }
        if (StringUtils.hasText(query.version())) {
            where.add("current_version = :version");
            params.put("version", query.version());
        }
        if (StringUtils.hasText(query.text())) {
            where.add("node_id ILIKE :text ESCAPE '\\'");
            params.put("text", "%" + escapeLike(query.text().strip()) + "%");
        }
        var whereSql = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
        var direction = query.descending() ? "DESC" : "ASC";
        // node_id breaks ties so pages are stable; NULLs (never reported) sort last either way.
        var order = " ORDER BY " + sortColumn + " " + direction + " NULLS LAST, node_id " + direction;

        long total = jdbc.sql("SELECT count(*) FROM node_versions" + whereSql)
                .params(params)
                .query(Long.class)
                .single();
        List<NodeSummary> items = jdbc.sql("""
                        SELECT node_id, tier, current_version, target_version, cohort, health_status,
                               last_health_check, created_at
                        FROM node_versions""" + whereSql + order + " LIMIT :limit OFFSET :offset")
                .params(params)
                .param("limit", query.size())
                .param("offset", (long) query.page() * query.size())
                .query(NodeRegistry::mapRow)
                .list();
        return new NodePage(items, total, query.page(), query.size());
    }

    private static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static NodeSummary mapRow(ResultSet rs, int row) throws SQLException {
        var lastCheck = rs.getTimestamp("last_health_check");
        return new NodeSummary(
                rs.getString("node_id"),
                Tier.valueOf(rs.getString("tier")),
                rs.getString("current_version"),
                rs.getString("target_version"),
                rs.getString("cohort"),
                rs.getString("health_status"),
                lastCheck == null ? null : lastCheck.toInstant(),
                rs.getTimestamp("created_at").toInstant());
    }
}
