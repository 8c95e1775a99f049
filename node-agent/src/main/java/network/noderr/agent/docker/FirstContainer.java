package network.noderr.agent.docker;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How the agent creates the node's first container when the node has none (a fresh install): the image is the
 * release the control plane names; these are the rest. Later updates copy the running container's configuration
 * instead ({@link NodeContainers#createLike}), so what an operator changes on the container by hand stays.
 *
 * @param ports published ports as {@code docker run -p} writes them ({@code [ip:]hostPort:containerPort[/proto]}: ports
 *     1-65535, an IPv4 literal or an IPv6 literal in brackets, tcp, udp or sctp; see {@link #binding}); the node
 *     runtime serves {@code /health} and {@code /metrics} on 8080 (docs/images.md, "The runtime")
 * @param dataVolume a named volume or an absolute host path mounted at {@link #DATA_PATH}, where the node's packages
 *     keep their data; null = none
 * @param restartPolicy Docker's restart policy ({@code no}, {@code always}, {@code unless-stopped},
 *     {@code on-failure[:N]})
 */
public record FirstContainer(List<String> ports, @Nullable String dataVolume, String restartPolicy) {

    /** Where the node runtime keeps its packages' data. */
    public static final String DATA_PATH = "/var/lib/noderr";

    /**
     * The defaults: the runtime's port 8080 as the host's loopback port 8180, a named data volume, unless-stopped. Not
     * the host's port 8080: that is the control plane's default port, and a node on the machine that runs the control
     * plane (a trial network, the operators' walkthrough against {@code ./run}) could not start its first container.
     */
    public static final FirstContainer DEFAULTS = new FirstContainer(List.of("127.0.0.1:8180:8080"),
            "noderr-node-data", "unless-stopped");

    private static final String RESTART = "no|always|unless-stopped|on-failure(:[0-9]{1,9})?";
    private static final String VOLUME_NAME = "[a-zA-Z0-9][a-zA-Z0-9_.-]+";

    public FirstContainer {
        ports = List.copyOf(ports);
    }

    /** What is wrong with these settings, one line each (the configuration keys named); empty when nothing. */
    public List<String> problems(String portsKey, String volumeKey, String restartKey) {
        var problems = new ArrayList<String>();
        for (var port : ports) {
            try {
                binding(port);
            } catch (IllegalArgumentException e) {
                problems.add(portsKey + ": '" + port + "' is not a port mapping ([ip:]hostPort:containerPort[/tcp|udp|"
                        + "sctp]): " + e.getMessage());
            }
        }
        if (dataVolume != null && !dataVolume.matches(VOLUME_NAME) && !dataVolume.startsWith("/")) {
            problems.add(volumeKey + ": must be a volume name or an absolute host path (was '" + dataVolume + "')");
        }
        if (!restartPolicy.matches(RESTART)) {
            problems.add(restartKey + ": must be no, always, unless-stopped or on-failure[:N] (was '" + restartPolicy
                    + "')");
        }
        return problems;
    }

    /** {@link #ports} as Docker's port bindings. */
    public List<PortBinding> bindings() {
        return ports.stream().map(FirstContainer::binding).toList();
    }

    /**
     * One published port, {@code [ip:]hostPort:containerPort[/proto]} as {@code docker run -p} takes it, checked as
     * Docker would only check it when the container is created: ports 1-65535 (the host port may be left out,
     * {@code 8080} or {@code 127.0.0.1::8080}, for one Docker picks), the address an IPv4 literal or an IPv6 literal in
     * brackets ({@code [::1]:8080:8080}), the protocol tcp (the default), udp or sctp.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PortBinding binding(String mapping) {
        var rest = mapping.strip();
        var protocol = InternetProtocol.TCP;
        int slash = rest.lastIndexOf('/');
        if (slash >= 0) {
            var name = rest.substring(slash + 1);
            protocol = switch (name.toLowerCase(Locale.ROOT)) {
                case "tcp" -> InternetProtocol.TCP;
                case "udp" -> InternetProtocol.UDP;
                case "sctp" -> InternetProtocol.SCTP;
                default -> throw new IllegalArgumentException("the protocol must be tcp, udp or sctp (was '" + name
                        + "')");
            };
            rest = rest.substring(0, slash);
        }
        String ip = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("an IPv6 address in brackets must be followed by "
                        + ":hostPort:containerPort");
            }
            ip = rest.substring(1, close);
            if (!ip.contains(":") || ipLiteral(ip) == null) {
                throw new IllegalArgumentException("'" + ip + "' is not an IPv6 address");
            }
            rest = rest.substring(close + 2);
            if (rest.split(":", -1).length != 2) {
                throw new IllegalArgumentException("an address must be followed by hostPort:containerPort");
            }
        }
        var parts = rest.split(":", -1);
        if (parts.length == 3) {
            ip = parts[0];
            if (ipLiteral(ip) == null) {
                throw new IllegalArgumentException("'" + ip + "' is not an IPv4 address (an IPv6 address goes in "
                        + "brackets: [::1]:8080:8080)");
            }
        } else if (parts.length > 3) {
            throw new IllegalArgumentException("too many ':' (an IPv6 address goes in brackets: [::1]:8080:8080)");
        }
        var containerPort = port(parts[parts.length - 1], "container port");
        var hostPort = parts.length == 1 || parts[parts.length - 2].isEmpty() ? null
                : port(parts[parts.length - 2], "host port");
        if (parts.length == 2 && hostPort == null && ip == null) {
            throw new IllegalArgumentException("the host port is empty");
        }
        return new PortBinding(new Ports.Binding(ip, hostPort == null ? null : hostPort.toString()),
                new ExposedPort(containerPort, protocol));
    }

    private static int port(String text, String what) {
        if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("the " + what + " must be 1-65535 (was '" + text + "')");
        }
        return Integer.parseInt(text);
    }

    /**
     * An IPv4 or IPv6 literal (IPv6 without brackets), or null when {@code text} is none: never looked up as a name.
     */
    public static @Nullable InetAddress ipLiteral(String text) {
        if (text.matches("\\d{1,3}(\\.\\d{1,3}){3}") || text.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            try {
                return InetAddress.getByName(text); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    /** The comma-separated form of a configuration value ({@code "127.0.0.1:8080:8080, 9000:9000"}; blank = none). */
    public static List<String> portsOf(String value) {
        return java.util.Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
