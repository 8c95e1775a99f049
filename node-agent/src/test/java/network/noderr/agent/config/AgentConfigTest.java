package network.noderr.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Map;
import network.noderr.agent.NoderrAgentTestAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** agent.properties as install.sh writes it, env overrides, and clear errors (all at once) for bad values. */
class AgentConfigTest {

    /** The settings a config must have, and nothing else. */
    private static final String MINIMAL = """
            control-plane-url=https://cp.noderr.network
            node-id=ndr_abc
            tier=ALL
            key-path=/etc/noderr/key
            """;

    @TempDir
    Path dir;

    @Test
    void readsTheInstallersFileWithDefaultsAndEnvOverrides() throws Exception {
        var file = write("""
                control-plane-url=https://cp.noderr.network
                node-id=ndr_abc
                tier=oracle
                key-type=TPM2
                key-path=/etc/noderr/key
                sign-command=/etc/noderr/noderr-sign.sh
                state-dir=/var/lib/noderr
                check-interval=PT5M
                maintenance-window=22:00-02:00
                """);
        var config = AgentConfig.load(file, Map.of("NODERR_AGENT_CHECK_INTERVAL", "30s"));

        assertThat(config.tier()).isEqualTo("ORACLE");
        assertThat(config.checkInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.rollbackTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.autoUpdate()).isTrue();
        assertThat(config.dockerHost()).isEqualTo("unix:///var/run/docker.sock");
        assertThat(config.lockFile()).isEqualTo(Path.of("/var/lib/noderr/update.lock"));
        assertThat(config.maintenanceWindow().contains(LocalTime.of(23, 30))).isTrue();
        assertThat(config.maintenanceWindow().contains(LocalTime.of(1, 59))).isTrue();
        assertThat(config.maintenanceWindow().contains(LocalTime.of(12, 0))).isFalse();
    }

    @Test
    void theMetricsEndpointListensOnEveryAddressUnlessAnAddressIsGiven() throws Exception {
        var base = MINIMAL;
        assertThat(AgentConfig.load(write(base), Map.of()).metricsAddress()).isNull();
        assertThat(AgentConfig.load(write(base + "metrics-address=10.0.0.5\n"), Map.of()).metricsAddress())
                .isEqualTo(java.net.InetAddress.getByName("10.0.0.5"));
        assertThat(AgentConfig.load(write(base), Map.of("NODERR_AGENT_METRICS_ADDRESS", "[::1]")).metricsAddress())
                .isEqualTo(java.net.InetAddress.getByName("::1"));
        for (var bad : new String[] {"monitoring.example", "10.0.0", "300.1.2.3", "::g"}) {
            assertThatThrownBy(() -> AgentConfig.load(write(base + "metrics-address=" + bad + "\n"), Map.of()))
                    .as(bad)
                    .isInstanceOf(AgentConfig.InvalidConfigException.class)
                    .hasMessageContaining("metrics-address: must be an IP address of this host");
        }
    }

    @Test
    void theServiceIsTheInstalledUnitUnlessTheInstallHasNone() throws Exception {
        var base = MINIMAL;
        assertThat(AgentConfig.load(write(base), Map.of()).service()).isEqualTo("noderr-agent");
        assertThat(AgentConfig.load(write(base + "service=none\n"), Map.of()).service()).as("a sandbox install")
                .isNull();
        assertThat(AgentConfig.load(write(base), Map.of("NODERR_AGENT_SERVICE", "noderr-agent@2.service")).service())
                .isEqualTo("noderr-agent@2.service");
        assertThatThrownBy(() -> AgentConfig.load(write(base + "service=noderr agent\n"), Map.of()))
                .isInstanceOf(AgentConfig.InvalidConfigException.class)
                .hasMessageContaining("service: must be the systemd unit that runs the daemon (e.g. noderr-agent) or "
                        + "none (was 'noderr agent')");
    }

    /**
     * The node's first container publishes the runtime's port 8080 on the host's loopback, but not as the host's port
     * 8080: that is the control plane's default port (docs/configuration.md, {@code PORT}), and a node on the machine
     * that runs the control plane (a trial network, the operators' walkthrough against {@code ./run}) could not
     * create its container. Nor the agent's own metrics port.
     */
    @Test
    void theFirstContainersDefaultPortIsNeitherTheControlPlanesNorTheAgentsOwn() {
        var bindings = network.noderr.agent.docker.FirstContainer.DEFAULTS.bindings();
        assertThat(bindings).singleElement().satisfies(b -> {
            assertThat(b.getExposedPort().getPort()).as("the runtime's port in the container").isEqualTo(8080);
            assertThat(b.getBinding().getHostIp()).isEqualTo("127.0.0.1");
            assertThat(b.getBinding().getHostPortSpec()).isEqualTo("8180")
                    .isNotEqualTo("8080").isNotEqualTo("9101");
        });
    }

    @Test
    void theNodesFirstContainerHasDefaultsAndIsConfigurable() throws Exception {
        var base = """
                control-plane-url=https://cp.noderr.network
                node-id=ndr_abc
                tier=ORACLE
                key-path=/etc/noderr/key
                """;
        assertThat(AgentConfig.load(write(base), Map.of()).firstContainer())
                .isEqualTo(network.noderr.agent.docker.FirstContainer.DEFAULTS);
        var custom = AgentConfig.load(write(base + "node-ports=8080:8080, 127.0.0.1:9100:9100/tcp\n"
                + "node-data-volume=/srv/noderr\nnode-restart-policy=on-failure:5\n"), Map.of());
        assertThat(custom.firstContainer()).isEqualTo(new network.noderr.agent.docker.FirstContainer(
                java.util.List.of("8080:8080", "127.0.0.1:9100:9100/tcp"), "/srv/noderr", "on-failure:5"));
        var none = AgentConfig.load(write(base), Map.of("NODERR_AGENT_NODE_PORTS", "none",
                "NODERR_AGENT_NODE_DATA_VOLUME", "none"));
        assertThat(none.firstContainer().ports()).isEmpty();
        assertThat(none.firstContainer().dataVolume()).isNull();

        assertThatThrownBy(() -> AgentConfig.load(write(base + "node-ports=8080:http\n"
                + "node-data-volume=../data\nnode-restart-policy=sometimes\n"), Map.of()))
                .isInstanceOf(AgentConfig.InvalidConfigException.class)
                .hasMessageContaining("node-ports: '8080:http' is not a port mapping")
                .hasMessageContaining("node-data-volume: must be a volume name or an absolute host path")
                .hasMessageContaining("node-restart-policy: must be no, always, unless-stopped or on-failure[:N]");
    }

    @Test
    void impossiblePortMappingsAreConfigurationErrors() throws Exception {
        var base = """
                control-plane-url=https://cp.noderr.network
                node-id=ndr_abc
                tier=ORACLE
                key-path=/etc/noderr/key
                """;
        // Docker takes these as -p does: checked here, not first by Docker's create during an update
        var good = AgentConfig.load(write(base + "node-ports=127.0.0.1:8080:8080, [::1]:9100:9100/udp, 0.0.0.0:1:65535/sctp,"
                + " 8081, 127.0.0.1::8082, [::1]::8083\n"), Map.of()).firstContainer().bindings();
        assertThat(good).extracting(b -> b.getBinding().getHostIp() + " " + b.getBinding().getHostPortSpec() + " "
                + b.getExposedPort()).containsExactly("127.0.0.1 8080 8080/tcp", "::1 9100 9100/udp",
                "0.0.0.0 1 65535/sctp", "null null 8081/tcp", "127.0.0.1 null 8082/tcp", "::1 null 8083/tcp");
        var bad = Map.of("127.0.0.1:99999:8080", "the host port must be 1-65535 (was '99999')",
                "8080:0", "the container port must be 1-65535 (was '0')",
                "8080:70000/udp", "the container port must be 1-65535 (was '70000')",
                "1.2.3.4.5:80:80", "'1.2.3.4.5' is not an IPv4 address",
                "300.1.2.3:80:80", "'300.1.2.3' is not an IPv4 address",
                "::1:8080:8080", "too many ':' (an IPv6 address goes in brackets",
                "[::g]:80:80", "'::g' is not an IPv6 address",
                "8080:8080/icmp", "the protocol must be tcp, udp or sctp (was 'icmp')",
                ":8080", "the host port is empty");
        for (var entry : bad.entrySet()) {
            assertThatThrownBy(() -> AgentConfig.load(write(base + "node-ports=8080:8080," + entry.getKey() + "\n"),
                    Map.of()))
                    .as(entry.getKey())
                    .isInstanceOf(AgentConfig.InvalidConfigException.class)
                    .hasMessageContaining("node-ports: '" + entry.getKey() + "' is not a port mapping "
                            + "([ip:]hostPort:containerPort[/tcp|udp|sctp]): " + entry.getValue())
                    .message().doesNotContain("'8080:8080'");
        }
    }

    @Test
    void reportsEveryInvalidValueAtOnce() throws Exception {
        var file = write("""
                control-plane-url=ftp://cp
                tier=BRONZE
                check-interval=often
                auto-update=maybe
                maintenance-window=late
                beacon-address=0x1234
                """);
        assertThatThrownBy(() -> AgentConfig.load(file, Map.of()))
                .isInstanceOf(AgentConfig.InvalidConfigException.class)
                .hasMessageContaining("tier: must be ALL, ORACLE or GUARDIAN")
                .hasMessageContaining("node-id: missing")
                .hasMessageContaining("control-plane-url: must be an http(s) URL")
                .hasMessageContaining("check-interval: not a duration")
                .hasMessageContaining("auto-update: must be true or false")
                .hasMessageContaining("maintenance-window: must be HH:MM-HH:MM")
                .hasMessageContaining("beacon-address: must be 0x followed by 40 hex digits");
    }

    @Test
    void theRunCommandExitsWithAMessageOnABadConfiguration() throws Exception {
        var file = write("tier=NONE\n");
        var err = new StringWriter();
        int code = NoderrAgentTestAccess.commandLine().setErr(new PrintWriter(err))
                .execute("run", "--config", file.toString());
        assertThat(code).isEqualTo(2);
    }

    @Test
    void refusesALockFileWhereTheServiceHasAPrivateView() throws Exception {
        for (var hidden : java.util.List.of("/tmp/hold", "/var/tmp/noderr.lock", "/home/operator/hold",
                "/root/hold", "/run/user/0/hold", "/var/lib/../../tmp/hold")) {
            var file = write("""
                    control-plane-url=https://cp.noderr.network
                    node-id=ndr_abc
                    tier=ORACLE
                    key-path=/etc/noderr/key
                    update-lock-file=%s
                    """.formatted(hidden));
            assertThatThrownBy(() -> AgentConfig.load(file, Map.of())).as(hidden)
                    .isInstanceOf(AgentConfig.InvalidConfigException.class)
                    .hasMessageContaining("update-lock-file: must not be under /")
                    .hasMessageContaining("PrivateTmp/ProtectHome");
        }
        var elsewhere = write("""
                control-plane-url=https://cp.noderr.network
                node-id=ndr_abc
                tier=ORACLE
                key-path=/etc/noderr/key
                update-lock-file=/etc/noderr/hold-updates
                """);
        assertThat(AgentConfig.load(elsewhere, Map.of()).lockFile()).isEqualTo(Path.of("/etc/noderr/hold-updates"));
        assertThat(AgentConfig.load(elsewhere, Map.of("NODERR_AGENT_UPDATE_LOCK_FILE", "/tmpfiles/hold")).lockFile())
                .as("only the directories themselves").isEqualTo(Path.of("/tmpfiles/hold"));
        var err = new StringWriter();
        int code = NoderrAgentTestAccess.commandLine().setErr(new PrintWriter(err)).execute("status", "--config",
                write("""
                        control-plane-url=https://cp.noderr.network
                        node-id=ndr_abc
                        tier=ORACLE
                        key-path=/etc/noderr/key
                        update-lock-file=/tmp/hold
                        """).toString());
        assertThat(code).as("like any invalid configuration").isEqualTo(2);
    }

    @Test
    void aStateDirectoryThereKeepsItsDefaultLockButAnExplicitLockThereIsRefused() throws Exception {
        // A sandbox install (--prefix under /tmp or /home) has no systemd unit: its state and its default lock are
        // in one view, seen alike by the daemon and the CLI.
        var sandbox = write("""
                control-plane-url=https://cp.noderr.network
                node-id=ndr_abc
                tier=ORACLE
                key-path=/etc/noderr/key
                state-dir=/tmp/noderr
                """);
        assertThat(AgentConfig.load(sandbox, Map.of()).lockFile()).isEqualTo(Path.of("/tmp/noderr/update.lock"));
        var explicit = write("""
                control-plane-url=https://cp.noderr.network
                node-id=ndr_abc
                tier=ORACLE
                key-path=/etc/noderr/key
                state-dir=/tmp/noderr
                update-lock-file=/var/lib/../../tmp/hold
                """);
        assertThatThrownBy(() -> AgentConfig.load(explicit, Map.of()))
                .isInstanceOf(AgentConfig.InvalidConfigException.class)
                .hasMessageContaining("update-lock-file: must not be under /tmp")
                .hasMessageContaining("use e.g. /var/lib/noderr/update.lock");
        var err = new StringWriter();
        int code = NoderrAgentTestAccess.commandLine().setErr(new PrintWriter(err))
                .execute("status", "--config", explicit.toString());
        assertThat(code).as("like any invalid configuration").isEqualTo(2);
    }

    private Path write(String text) throws Exception {
        var file = dir.resolve("agent.properties");
        Files.writeString(file, text);
        return file;
    }
}
