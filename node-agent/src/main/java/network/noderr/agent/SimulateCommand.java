package network.noderr.agent;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import network.noderr.agent.daemon.PushClient;
import network.noderr.agent.simulate.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code noderr-agent simulate}: a fleet of virtual nodes on the real protocol, without Docker (demo, tests, load). */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run N simulated nodes against a control plane (needs an ADMIN API token to onboard them).")
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--url", required = true, description = "the control plane, e.g. http://localhost:8080")
    URI url;

    @Option(names = "--admin-token", required = true, defaultValue = "${env:NODERR_ADMIN_API_TOKEN}",
            description = "an ADMIN API token (default: $NODERR_ADMIN_API_TOKEN)")
    String adminToken;

    @Option(names = "--nodes", defaultValue = "100", description = "how many nodes (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--tier", defaultValue = "ALL", description = "ALL, ORACLE or GUARDIAN (default ${DEFAULT-VALUE})")
    String tier;

    @Option(names = "--interval", defaultValue = "PT30S", description = "check + report interval (default ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--unhealthy", defaultValue = "0",
            description = "share of unhealthy nodes, 0-1 (default ${DEFAULT-VALUE})")
    double unhealthy;

    @Option(names = "--failing-updates", defaultValue = "0",
            description = "share of nodes whose updates roll back, 0-1 (default ${DEFAULT-VALUE})")
    double failingUpdates;

    @Option(names = "--start-version", defaultValue = "1.0.0",
            description = "the version the nodes start on (default ${DEFAULT-VALUE})")
    String startVersion;

    @Option(names = "--state", description = "a file that keeps the nodes (ids and private keys, owner-only) between "
            + "runs: a later run with it brings back the same nodes instead of registering new ones")
    java.nio.file.@org.jspecify.annotations.Nullable Path state;

    @Option(names = "--push", description = "each node also keeps the push stream open, as the daemon does, and "
            + "checks its version at once on CHECK_NOW or ROLLBACK (a ROLLBACK naming its target needs no version "
            + "query; default: off, nodes only poll every --interval)")
    boolean push;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 100_000 || unhealthy < 0 || unhealthy > 1 || failingUpdates < 0
                || failingUpdates > 1 || !java.util.List.of("ALL", "ORACLE", "GUARDIAN").contains(tier)) {
            System.err.println("simulate: --nodes 1-100000, --tier ALL|ORACLE|GUARDIAN, shares 0-1");
            return 2;
        }
        if (push) {
            // Thousands of nodes would each log every push and every (re)connection; the fleet sums them up.
            System.setProperty("org.slf4j.simpleLogger.log." + PushClient.class.getName(), "warn");
        }
        try {
            return simulate();
        } catch (java.net.ConnectException e) {
            System.err.println("simulate: cannot reach the control plane at " + url + " (connection refused)");
            return 1;
        } catch (java.io.IOException e) {
            System.err.println("simulate: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
    }

    private int simulate() throws Exception {
        try (var fleet = new Fleet(new Fleet.Options(url, adminToken, tier, nodes, interval, unhealthy, failingUpdates,
                startVersion, state, push))) {
            long start = System.nanoTime();
            int registered = fleet.register();
            long registeredAt = System.nanoTime();
            System.out.printf("simulate: %d of %d nodes registered (%s) in %.1f s%n", registered, nodes, tier,
                    (registeredAt - start) / 1e9);
            if (push) {
                // Thousands of logins and handshakes at once, and reconnects back off: give them minutes.
                int open = fleet.awaitPush(Duration.ofMinutes(5));
                System.out.printf("simulate: push stream open on %d of %d nodes, %.1f s after they registered (%d "
                        + "attempts failed)%n", open, registered, (System.nanoTime() - registeredAt) / 1e9,
                        fleet.pushAttemptsFailed());
            }
            fleet.runForever();
        }
        return 0;
    }
}
