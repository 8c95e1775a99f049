package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.daemon.Agent;
import network.noderr.agent.daemon.Daemon;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert path end to end, with the project's own monitoring files: a node agent's update really fails (the new
 * image never becomes healthy, so the agent rolls back and sets {@code node_update_failed}); Prometheus (Debian's)
 * scrapes the control plane (with an API token) and the agent, and evaluates {@code monitoring/prometheus/rules/alerts.yml} unchanged; Alertmanager runs
 * {@code monitoring/alertmanager/alertmanager.yml} with only the control plane's address and the secret file
 * pointed at this test's; it delivers UpdateFailed to the control plane's webhook, which stores and lists it.
 * Takes about 90 s: the rule's own {@code for: 1m} plus the critical route's group wait.
 */
class MonitoringIT extends NodeTestSupport {

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopServers() throws InterruptedException {
        for (var process : processes) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void aFailedUpdateReachesTheControlPlaneAsAnAlert() throws Exception {
        var monitoring = Path.of("../monitoring").toAbsolutePath().normalize();
        var token = controlPlane.installToken("ALL", "Monitoring Operator");
        var config = dir.resolve("agent.properties");
        // Registered through the CLI (in this JVM), the token on stdin.
        var oldIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream((token + "\n").getBytes()));
            assertThat(NoderrAgent.commandLine().execute("register", "--url", controlPlane.base().toString(),
                    "--config", config.toString(), "--state-dir", dir.resolve("state").toString())).isZero();
        } finally {
            System.setIn(oldIn);
        }
        int agentPort = freePort();
        Files.writeString(config, String.join("\n", "docker-host=" + TestDocker.dockerHost(),
                "container=monitoring-node", "health-window=PT2S", "rollback-timeout=PT15S",
                "metrics-port=" + agentPort) + "\n", java.nio.file.StandardOpenOption.APPEND);
        startNode("monitoring-node", TestDocker.image("v1"));
        controlPlane.publishAndActivateAllCohorts("ALL", TestDocker.image("v1"));
        controlPlane.abortOpenRollouts("ALL");
        controlPlane.publishAndActivateAllCohorts("ALL", TestDocker.image("bad")); // never becomes healthy

        try (var agent = new Agent(AgentConfig.load(config, Map.of()), Clock.systemUTC())) {
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.UPDATE_FAILED);
            assertThat(agent.runningVersion()).as("rolled back locally").contains("1.0.0");
            var nodeId = AgentConfig.load(config, Map.of()).nodeId();

            // Alertmanager with the project's configuration: only the receiver's address and secret file differ.
            var secret = dir.resolve("webhook-secret");
            Files.writeString(secret, TestControlPlane.WEBHOOK_SECRET);
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            var amConfig = Files.readString(monitoring.resolve("alertmanager/alertmanager.yml"))
                    .replaceAll("url: http://[^/\\s]+/api/v1/alerts", "url: " + controlPlane.base() + "/api/v1/alerts")
                    .replaceAll("credentials_file: \\S+", "credentials_file: " + secret);
            assertThat(amConfig).contains(controlPlane.base() + "/api/v1/alerts").contains(secret.toString());
            Files.writeString(dir.resolve("alertmanager.yml"), amConfig);
            int amPort = freePort();
            start("alertmanager", "prometheus-alertmanager", "--config.file=" + dir.resolve("alertmanager.yml"),
                    "--storage.path=" + dir.resolve("am-data"), "--web.listen-address=127.0.0.1:" + amPort,
                    "--cluster.listen-address=");

            var apiToken = dir.resolve("api-token");
            Files.writeString(apiToken, TestControlPlane.ADMIN_TOKEN);
            Files.setPosixFilePermissions(apiToken, PosixFilePermissions.fromString("rw-------"));
            // Prometheus: the project's alert rules as they are; the agent as a static target labelled like
            // service discovery labels it.
            int promPort = freePort();
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 2s
                      evaluation_interval: 2s
                    rule_files:
                      - %s
                      - %s
                    alerting:
                      alertmanagers:
                        - static_configs:
                            - targets: ['127.0.0.1:%d']
                    scrape_configs:
                      - job_name: noderr-control-plane
                        metrics_path: /actuator/prometheus
                        authorization:
                          type: Bearer
                          credentials_file: %s
                        static_configs:
                          - targets: ['%s']
                      - job_name: noderr-nodes
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                            labels: {node_id: '%s', tier: 'ALL', cohort: 'canary'}
                    """.formatted(monitoring.resolve("prometheus/rules/recording.yml"),
                    monitoring.resolve("prometheus/rules/alerts.yml"), amPort, apiToken,
                    controlPlane.base().getAuthority(), agentPort, nodeId));
            start("prometheus", "prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("prom-data"), "--web.listen-address=127.0.0.1:" + promPort);

            var alert = Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        for (var a : controlPlane.get("/api/v1/admin/alerts?status=firing")) {
                            if (a.path("name").asText().equals("UpdateFailed")
                                    && a.path("nodeId").asText().equals(nodeId)) {
                                return a;
                            }
                        }
                        return null;
                    }, java.util.Objects::nonNull);
            assertThat(alert.path("source").asText()).isEqualTo("alertmanager");
            assertThat(alert.path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("tier").asText()).isEqualTo("ALL");
            assertThat(alert.path("summary").asText()).contains(nodeId);
            // Prometheus scraped the control plane too (its own metrics, e.g. the node gauge by tier).
            var query = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort
                    + "/api/v1/query?query=" + java.net.URLEncoder.encode("noderr_nodes{tier=\"ALL\"}",
                    java.nio.charset.StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(query.body()).contains("\"job\":\"noderr-control-plane\"").contains("\"tier\":\"ALL\"");
            var firing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + promPort + "/api/v1/alerts")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(firing.body()).contains("\"alertname\":\"UpdateFailed\"").contains("\"state\":\"firing\"");
        }
    }

    private void start(String name, String... command) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
