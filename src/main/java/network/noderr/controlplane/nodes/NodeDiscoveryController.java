package network.noderr.controlplane.nodes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Prometheus HTTP service discovery (DESIGN §3): one target per active node that has logged in, at the address it
 * last logged in from and the metrics port its agent told at login ({@code noderr.sd.node-metrics-port} when it told
 * none; a node that serves no metrics is left out), labelled with its tier, version and cohort. Prometheus polls it
 * (monitoring/prometheus/prometheus.yml) with an API token.
 */
@RestController
class NodeDiscoveryController {

    /** One group in Prometheus' {@code http_sd_config} format. */
    record TargetGroup(List<String> targets, Map<String, String> labels) {}

    private final JdbcClient jdbc;
    private final int metricsPort;

    NodeDiscoveryController(JdbcClient jdbc, @Value("${noderr.sd.node-metrics-port:9101}") int metricsPort) {
        this.jdbc = jdbc;
        this.metricsPort = metricsPort;
    }

    @GetMapping("/api/v1/sd/nodes")
    @PreAuthorize("hasRole('VIEWER')")
    List<TargetGroup> nodes() {
        return jdbc.sql("""
                        SELECT n.node_id, n.tier, n.last_address, COALESCE(n.metrics_port, :port) AS port,
                               COALESCE(v.current_version, '') AS version, COALESCE(v.cohort, '') AS cohort
                        FROM nodes n LEFT JOIN node_versions v ON v.node_id = n.node_id
                        WHERE n.status = 'ACTIVE' AND n.last_address IS NOT NULL
                          AND COALESCE(n.metrics_port, :port) <> 0
                        ORDER BY n.node_id""")
                .param("port", metricsPort)
                .query((rs, i) -> {
                    var labels = new LinkedHashMap<String, String>();
                    labels.put("node_id", rs.getString("node_id"));
                    labels.put("tier", rs.getString("tier"));
                    labels.put("version", rs.getString("version"));
                    labels.put("cohort", rs.getString("cohort"));
                    return new TargetGroup(List.of(hostPort(rs.getString("last_address"), rs.getInt("port"))), labels);
                })
                .list();
    }

    private static String hostPort(String address, int port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
