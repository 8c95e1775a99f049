package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import network.noderr.agent.NodeTestSupport;
import network.noderr.agent.TestDocker;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.update.StateStore;
import network.noderr.agent.update.UpdateOutcome;
import network.noderr.agent.update.UpdateRecord;
import network.noderr.agent.update.UpdateState;
import network.noderr.agent.update.UpdateTarget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports the real control plane (its packaged jar) refuses, made for real: a health report older than its 30-day
 * retention (what a longer outage leaves in the buffer), one with a blank version (what an empty image label gave),
 * a node container whose version labels are blank or too long, update durations that are negative (a clock stepped
 * back) or longer than a day (an update that waited for its registry), and an update report the control plane can
 * never accept. None of them may stop later reports or version checks. GUARDIAN nodes: no test here publishes to
 * that tier, so the version query has nothing to update to.
 */
class RefusedReportsTest extends NodeTestSupport {

    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    /** One operator's install tokens for this class's nodes (public applications are rate-limited). */
    private static final java.util.Deque<String> tokens = new java.util.ArrayDeque<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void installTokens() throws Exception {
        tokens.addAll(controlPlane.installTokens("GUARDIAN", "Refused Reports Operator", 4));
    }

    @Test
    void healthDeliveryGoesOnPastReportsTheControlPlaneRefuses() throws Exception {
        var nodeId = register("refused-health");
        startNode("refused-health", TestDocker.image("v1"));
        var config = config(nodeId, "refused-health");
        var now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var buffered = new HealthBuffer(config.stateDir().resolve("health-buffer"), 10_000);
        buffered.add(report(nodeId, "1.0.0", now.minus(3, ChronoUnit.HOURS)));
        buffered.add(report(nodeId, "1.0.0", now.minus(35, ChronoUnit.DAYS))); // past the retention
        buffered.add(report(nodeId, "1.0.0", now.minus(2, ChronoUnit.HOURS)));
        buffered.add(report(nodeId, "", now.minus(90, ChronoUnit.MINUTES))); // blank version
        buffered.add(report(nodeId, "1.0.0", now.minus(1, ChronoUnit.HOURS)));

        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            assertThat(agent.daemon().reportHealth()).as("3 valid buffered + the new sample").isEqualTo(4);
            assertThat(buffered.size()).isZero();
            assertThat(scrape(agent)).contains("node_health_reports_refused 2.0")
                    .contains("node_health_reports_dropped 0.0");
            assertThat(agent.daemon().reportHealth()).as("later reports go through at once").isEqualTo(1);
        }
        var stored = new ArrayList<Instant>();
        controlPlane.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=100")
                .forEach(r -> stored.add(0, Instant.parse(r.get("reportedAt").asText())));
        assertThat(stored).hasSize(5).isSorted();
        assertThat(stored.subList(0, 3)).containsExactly(now.minus(3, ChronoUnit.HOURS),
                now.minus(2, ChronoUnit.HOURS), now.minus(1, ChronoUnit.HOURS));
    }

    @Test
    void blankOrOverlongVersionLabelsAreReportedAsUnknownOrCutToTheLimit() throws Exception {
        var blankId = register("blank-label");
        startNode("blank-label", TestDocker.image("v1"),
                Map.of("org.opencontainers.image.version", "", "network.noderr.version", " "));
        try (var agent = new Agent(config(blankId, "blank-label"), Clock.systemUTC(), false)) {
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(agent.daemon().reportHealth()).isEqualTo(1);
        }
        assertThat(lastHealthVersion(blankId)).isEqualTo("unknown");

        var longId = register("long-label");
        var label = "1.0.0+build." + "0123456789".repeat(6);
        startNode("long-label", TestDocker.image("v1"), Map.of("org.opencontainers.image.version", label));
        try (var agent = new Agent(config(longId, "long-label"), Clock.systemUTC(), false)) {
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(agent.daemon().reportHealth()).isEqualTo(1);
        }
        assertThat(lastHealthVersion(longId)).isEqualTo(label.substring(0, 50));
    }

    @Test
    void updateReportsAreSentWithADurationInRangeAndARefusedOneIsNotSentForever() throws Exception {
        var nodeId = register("refused-update");
        startNode("refused-update", TestDocker.image("v1"));
        var config = config(nodeId, "refused-update");
        var store = new StateStore(config.stateDir(), config.container());
        try (var agent = new Agent(config, Clock.systemUTC(), false)) {
            var daemon = agent.daemon();

            // The clock stepped back after the update started: reported as 0 ms.
            store.save(reporting(config, "2.0.0", Instant.now().plus(1, ChronoUnit.HOURS)));
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(lastUpdate(nodeId).get("durationMs").asLong()).isZero();

            // Two days waiting for the registry: reported as it was.
            var twoDaysAgo = Instant.now().minus(2, ChronoUnit.DAYS);
            store.save(reporting(config, "2.0.1", twoDaysAgo));
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            var twoDays = lastUpdate(nodeId);
            assertThat(twoDays.get("toVersion").asText()).isEqualTo("2.0.1");
            assertThat(twoDays.get("durationMs").asLong()).isBetween(2 * DAY_MS, 2 * DAY_MS + 600_000);

            // Forty days: reported as the longest the control plane accepts, 30 days.
            store.save(reporting(config, "2.0.2", Instant.now().minus(40, ChronoUnit.DAYS)));
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(lastUpdate(nodeId).get("durationMs").asLong()).isEqualTo(30 * DAY_MS);

            // A suspended node is refused with 403: kept and sent again once it is reinstated.
            controlPlane.post("/api/v1/admin/nodes/" + nodeId + "/suspend", Map.of(), 200);
            store.save(reporting(config, "2.0.3", Instant.now().minusSeconds(60)));
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.RESUMED);
            assertThat(store.load().state()).isEqualTo(UpdateState.REPORTING);
            controlPlane.post("/api/v1/admin/nodes/" + nodeId + "/reinstate", Map.of(), 200);
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(lastUpdate(nodeId).get("toVersion").asText()).isEqualTo("2.0.3");

            // A report the control plane can never accept (a version over its 50 characters, as a state file from
            // elsewhere could hold): counted, logged and given up; the agent goes on with its version checks.
            store.save(reporting(config, "9".repeat(51), Instant.now().minusSeconds(60)));
            assertThat(daemon.check()).isEqualTo(Daemon.CheckResult.UP_TO_DATE);
            assertThat(store.load().state()).isEqualTo(UpdateState.IDLE);
            assertThat(lastUpdate(nodeId).get("toVersion").asText()).as("not stored").isEqualTo("2.0.3");
            assertThat(scrape(agent)).contains("node_update_reports_refused_total 1.0")
                    .contains("node_updates_total{result=\"ROLLED_BACK\"} 5.0");
        }
    }

    private static UpdateRecord reporting(AgentConfig config, String version, Instant startedAt) {
        var v2 = TestDocker.image("v2");
        return new UpdateRecord(UpdateState.REPORTING, config.container(), config.container() + "-previous",
                new UpdateTarget(version, v2.tagged(), v2.digest()), "1.0.0", null, UpdateOutcome.ROLLED_BACK,
                "the new container is unhealthy", startedAt, null, null, null, false);
    }

    private static JsonNode lastUpdate(String nodeId) throws Exception {
        return controlPlane.get("/api/v1/admin/nodes/" + nodeId + "?updates=1").get("updates").get(0);
    }

    private static String lastHealthVersion(String nodeId) throws Exception {
        return controlPlane.get("/api/v1/admin/nodes/" + nodeId + "/health?limit=1").get(0).get("version").asText();
    }

    private static Map<String, Object> report(String nodeId, String version, Instant at) {
        var report = new LinkedHashMap<String, Object>();
        report.put("nodeId", nodeId);
        report.put("version", version);
        report.put("metrics", Map.of("uptime", 60, "cpu", 10.0, "memory", 20.0, "disk", 30.0, "errors", 0));
        report.put("timestamp", at.toString());
        return report;
    }

    private static String scrape(Agent agent) throws Exception {
        var out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, agent.metrics().registry().scrape());
        return out.toString();
    }

    private AgentConfig config(String nodeId, String container) throws Exception {
        var file = dir.resolve(container + ".properties");
        Files.writeString(file, String.join("\n",
                "control-plane-url=" + controlPlane.base(),
                "node-id=" + nodeId,
                "tier=GUARDIAN",
                "key-type=SOFTWARE",
                "key-path=" + dir.resolve(container + "-key.pem"),
                "state-dir=" + dir.resolve(container + "-state"),
                "docker-host=" + TestDocker.dockerHost(),
                "container=" + container,
                "metrics-port=0") + "\n");
        return AgentConfig.load(file, Map.of());
    }

    /** Registers a GUARDIAN node with a fresh key in {@code dir}; returns its node id. */
    private String register(String name) throws Exception {
        return controlPlane.registerNode(tokens.pop(), "GUARDIAN", dir.resolve(name + "-key.pem"), name + "-host");
    }
}
