package network.noderr.agent;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import network.noderr.agent.daemon.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** {@code noderr-agent run}: the daemon. Checks every check-interval (plus jitter) and reports health. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the agent daemon.")
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    /**
     * The exit code when the metrics port is taken (another agent on this host, most likely): the unit does not
     * restart the agent on it ({@code RestartPreventExitStatus}), since the port stays taken until the operator acts.
     */
    static final int EXIT_PORT_IN_USE = 3;

    @picocli.CommandLine.Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        var cfg = config.load();
        if (cfg == null) {
            return 2;
        }
        try {
            return run(cfg);
        } catch (network.noderr.agent.metrics.AgentMetrics.PortInUse e) {
            System.err.printf("noderr-agent: the metrics port %d (metrics-port) is already in use: is another "
                    + "noderr-agent running on this host (systemctl status noderr-agent, or a sandbox agent)? Stop it, "
                    + "or set metrics-port to a free port (0: no metrics endpoint). Not started (exit code %d)%n",
                    e.port(), EXIT_PORT_IN_USE);
            return EXIT_PORT_IN_USE;
        } catch (network.noderr.agent.metrics.AgentMetrics.AddressUnavailable e) {
            System.err.printf("noderr-agent: %s. Not started.%n", e.getMessage());
            return 1;
        }
    }

    private int run(network.noderr.agent.config.AgentConfig cfg) throws Exception {
        // Health has its own thread: an update blocks the checks' thread for its pull and health window (minutes),
        // and a node that stops reporting meanwhile counts as silent, hence unhealthy, in its rollout.
        try (var agent = new Agent(cfg, Clock.systemUTC());
                var scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                        .name("noderr-agent").daemon(false).unstarted(r));
                var healthScheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                        .name("noderr-agent-health").daemon(false).unstarted(r))) {
            var daemon = agent.daemon();
            long interval = cfg.checkInterval().toMillis();
            long jitter = Math.max(1, cfg.jitter().toMillis());
            scheduler.scheduleWithFixedDelay(continuing("version check", () -> {
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(jitter)); // spread the fleet's checks
                    daemon.check();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }), 0, interval, TimeUnit.MILLISECONDS);
            healthScheduler.scheduleWithFixedDelay(continuing("health report", daemon::reportHealth), 5_000,
                    interval, TimeUnit.MILLISECONDS);
            // After an update the control plane would judge the node by its last report, of the container before, until
            // the next one (up to an interval later): a report at once tells it how the new one is doing.
            daemon.afterUpdate(() -> healthScheduler.execute(continuing("health report after an update",
                    daemon::reportHealth)));
            // Push: a CHECK_NOW or ROLLBACK runs a check at once (on the same thread as the periodic ones). Messages
            // that arrive while that thread is busy (an update in progress) are acted on once it is free, the latest
            // only: it says what holds now (a rollback's target may have been replaced by a release since).
            var pending = new java.util.concurrent.atomic.AtomicReference<network.noderr.agent.daemon.PushMessage>();
            var push = agent.push(message -> {
                if (pending.getAndSet(message) != null) {
                    return; // a pushed check is queued already: it takes this message
                }
                scheduler.execute(continuing("pushed check", () -> {
                    var latest = pending.getAndSet(null);
                    if (latest == null) {
                        return;
                    }
                    try {
                        daemon.onPush(latest);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            });
            push.start();
            System.out.printf("noderr-agent: node %s (%s), checking every %s%n", cfg.nodeId(), cfg.tier(),
                    cfg.checkInterval());
            Thread.currentThread().join(); // until the process is stopped
        }
        return 0;
    }

    /**
     * {@code job} for the scheduler, which runs a periodic task that throws never again (and says nothing): an
     * exception is logged and the schedule goes on, so that one bad run cannot end the agent's checks or reports
     * while its process keeps running.
     */
    static Runnable continuing(String name, Runnable job) {
        return () -> {
            try {
                job.run();
            } catch (RuntimeException e) {
                log.error("The {} failed; it runs again at its next time", name, e);
            }
        };
    }
}
