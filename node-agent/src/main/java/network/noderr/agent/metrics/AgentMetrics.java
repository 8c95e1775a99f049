package network.noderr.agent.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The agent's Prometheus metrics, served at {@code http://<node>:<metrics-port>/metrics}. The names are the ones the
 * monitoring rules use (monitoring/): {@code node_version{version,tier}} (1 for the running version),
 * {@code node_update_failed{tier}} (1 after a failed or rolled-back update until the next success), the last check
 * and the last delivered health report as Unix timestamps, update durations by result, update reports refused,
 * {@code node_update_held_failed_target{tier}} (1 while the control plane's target is not started because its update
 * failed here), and the health buffer.
 */
public final class AgentMetrics implements AutoCloseable {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String tier;
    private final Gauge version;
    private final Gauge updateFailed;
    private final Gauge lastCheck;
    private final Gauge heldFailedTarget;
    private final Gauge lastReport;
    private final Histogram updateDuration;
    private final Counter updates;
    private final Counter updateReportsRefused;
    private final Gauge buffered;
    private final Gauge dropped;
    private final Gauge refused;
    private @Nullable String currentVersion;
    private @Nullable HTTPServer server;

    /** Without exemplars (the agent has no traces to link): the client then starts no scheduler thread. */
    public AgentMetrics(String tier) {
        this.tier = tier;
        version = Gauge.builder().name("node_version").help("1 for the version the node container runs")
                .labelNames("version", "tier").withoutExemplars().register(registry);
        updateFailed = Gauge.builder().name("node_update_failed")
                .help("1 when the last update failed or was rolled back, 0 after a successful one")
                .labelNames("tier").withoutExemplars().register(registry);
        updateFailed.labelValues(tier).set(0);
        heldFailedTarget = Gauge.builder().name("node_update_held_failed_target")
                .help("1 while the version the control plane names is not started because its update failed on this "
                        + "node (noderr-agent retry tries it again)")
                .labelNames("tier").withoutExemplars().register(registry);
        heldFailedTarget.labelValues(tier).set(0);
        lastCheck = Gauge.builder().name("node_last_check_timestamp_seconds")
                .help("when the agent last asked the control plane for its version (Unix time)").withoutExemplars()
                .register(registry);
        lastReport = Gauge.builder().name("node_last_successful_report_timestamp_seconds")
                .help("when health reports were last delivered to the control plane (Unix time)").withoutExemplars()
                .register(registry);
        // Classic buckets only: what the dashboards query.
        updateDuration = Histogram.builder().name("node_update_duration_seconds")
                .help("duration of updates from start to outcome").labelNames("result").classicOnly()
                .classicUpperBounds(5, 15, 30, 60, 120, 300, 600, 1800).withoutExemplars().register(registry);
        updates = Counter.builder().name("node_updates").help("updates by result").labelNames("result")
                .withoutExemplars().register(registry);
        updateReportsRefused = Counter.builder().name("node_update_reports_refused")
                .help("update reports the control plane refused for good (not sent again)").withoutExemplars()
                .register(registry);
        buffered = Gauge.builder().name("node_health_buffered_reports")
                .help("health reports waiting on disk to be delivered").withoutExemplars().register(registry);
        dropped = Gauge.builder().name("node_health_reports_dropped")
                .help("health reports dropped because the buffer was full, since install").withoutExemplars()
                .register(registry);
        refused = Gauge.builder().name("node_health_reports_refused")
                .help("health reports dropped because they can never be delivered (refused by the control plane as "
                        + "invalid, or unreadable on disk), since install").withoutExemplars().register(registry);
    }

    /** The {@code metrics-address} cannot be listened on: most likely not an address of this host. */
    public static final class AddressUnavailable extends IOException {
        AddressUnavailable(String message, java.net.BindException cause) {
            super(message, cause);
        }
    }

    /** The metrics port is taken: most likely by another agent on this host. */
    public static final class PortInUse extends IOException {
        private final int port;

        PortInUse(int port, java.net.BindException cause) {
            super("port " + port + " is in use", cause);
            this.port = port;
        }

        public int port() {
            return port;
        }
    }

    /** Serves {@code /metrics} on every address of the host at the port (0 = not served). */
    public void serve(int port) throws IOException {
        serve(null, port);
    }

    /** Serves {@code /metrics} on the address (null = every address of the host) at the port (0 = not served). */
    public void serve(java.net.@Nullable InetAddress address, int port) throws IOException {
        if (port > 0) {
            var builder = HTTPServer.builder().port(port).registry(registry);
            if (address != null) {
                builder.inetAddress(address);
            }
            try {
                server = builder.buildAndStart();
            } catch (java.net.BindException e) {
                if (address != null && !"Address already in use".equals(e.getMessage())) {
                    throw new AddressUnavailable("cannot listen on metrics-address " + address.getHostAddress()
                            + ": " + e.getMessage() + " (is it an address of this host?)", e);
                }
                throw new PortInUse(port, e);
            }
        }
    }

    public synchronized void runningVersion(@Nullable String running) {
        if (currentVersion != null && !currentVersion.equals(running)) {
            version.remove(currentVersion, tier);
        }
        currentVersion = running;
        if (running != null) {
            version.labelValues(running, tier).set(1);
        }
    }

    public void heldFailedTarget(boolean held) {
        heldFailedTarget.labelValues(tier).set(held ? 1 : 0);
    }

    public void checked(Instant at) {
        lastCheck.set(at.getEpochSecond());
    }

    public void reported(Instant at) {
        lastReport.set(at.getEpochSecond());
    }

    public void updateFinished(String result, long durationMs) {
        updates.labelValues(result).inc();
        updateDuration.labelValues(result).observe(durationMs / 1000.0);
        updateFailed.labelValues(tier).set("SUCCEEDED".equals(result) ? 0 : 1);
    }

    /** At start: an update failure recorded before a restart still counts until the next successful update. */
    public void failureRecorded(boolean recorded) {
        updateFailed.labelValues(tier).set(recorded ? 1 : 0);
    }

    public void updateReportRefused() {
        updateReportsRefused.inc();
    }

    public void buffer(long waiting, long droppedSinceInstall, long refusedSinceInstall) {
        buffered.set(waiting);
        dropped.set(droppedSinceInstall);
        refused.set(refusedSinceInstall);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
