package network.noderr.agent.daemon;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.api.NodeSigner;
import network.noderr.agent.chain.BeaconRecord;
import network.noderr.agent.config.AgentConfig;
import network.noderr.agent.docker.NodeContainers;
import network.noderr.agent.metrics.AgentMetrics;
import network.noderr.agent.update.OnChainRelease;
import network.noderr.agent.update.OnChainReleases;
import network.noderr.agent.update.StateStore;
import network.noderr.agent.update.UpdateReporter;
import network.noderr.agent.update.UpdateSettings;
import network.noderr.agent.update.Updater;

/** The agent's parts, wired from its configuration; closes the Docker connection. */
public final class Agent implements AutoCloseable {

    private final NodeContainers containers;
    private final Daemon daemon;
    private final Updater updater;
    private final AgentMetrics metrics;
    private final ControlPlane controlPlane;

    private final OnChainReleases chain;
    private final AgentConfig config;

    /** The daemon's parts, with its metrics endpoint. */
    public Agent(AgentConfig config, Clock clock) throws IOException {
        this(config, clock, true);
    }

    /** @param serveMetrics false for the one-shot commands ({@code rollback}): the daemon owns the metrics port */
    public Agent(AgentConfig config, Clock clock, boolean serveMetrics) throws IOException {
        this(config, clock, serveMetrics, new HealthBuffer(config.stateDir().resolve("health-buffer"), 10_000));
    }

    /** With the health buffer given (tests: one whose disk fails). */
    Agent(AgentConfig config, Clock clock, boolean serveMetrics, HealthBuffer buffer) throws IOException {
        this.config = config;
        this.controlPlane = new ControlPlane(config.controlPlaneUrl(), config.nodeId(), signer(config), clock);
        if (serveMetrics) { // the daemon; one-shot commands leave what the daemon told alone
            controlPlane.advertisingMetricsPort(config.metricsPort());
        }
        this.containers = new NodeContainers(config.dockerHost());
        this.chain = chain(config, controlPlane);
        this.metrics = new AgentMetrics(config.tier());
        UpdateReporter reporter = (record, ms) -> {
            var result = java.util.Objects.requireNonNull(record.outcome()).name();
            try {
                controlPlane.reportUpdate(record.fromVersion(),
                        java.util.Objects.requireNonNull(record.target()).versionString(), result, ms, record.reason());
            } catch (ControlPlane.ApiException e) {
                if (!e.isFinal()) {
                    throw e; // kept and sent again
                }
                metrics.updateReportRefused();
                metrics.updateFinished(result, ms); // the update did finish, reported or not
                throw new UpdateReporter.Refused(e.getMessage(), e);
            }
            metrics.updateFinished(result, ms); // after the report: a retried report is counted once
        };
        var settings = new UpdateSettings(config.tier(), config.healthWindow(), config.rollbackTimeout(),
                java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(15), config.firstContainer());
        this.updater = new Updater(new StateStore(config.stateDir(), config.container()), containers, chain, reporter,
                settings, clock);
        // The failure metric follows the failed-target record, before and after a restart alike: a record a later
        // success left behind (kept by an older agent) is forgotten first.
        try {
            updater.forgetFailureBeforeLastSuccess();
        } catch (java.io.UncheckedIOException e) { // unreadable or not removable: status and retry say so
            org.slf4j.LoggerFactory.getLogger(Agent.class).warn("{}", e.getMessage());
        }
        metrics.failureRecorded(failureRecorded(updater));
        this.daemon = new Daemon(config, controlPlane, containers, updater,
                buffer, metrics, clock);
        if (serveMetrics) {
            try {
                metrics.serve(config.metricsAddress(), config.metricsPort());
            } catch (IOException e) {
                containers.close(); // the agent does not start
                throw e;
            }
        }
    }

    private static boolean failureRecorded(Updater updater) {
        try {
            return updater.failed().isPresent();
        } catch (java.io.UncheckedIOException e) {
            return true; // a record that cannot be read: a failure was recorded
        }
    }

    /** A push channel that calls {@code onMessage} with each CHECK_NOW / ROLLBACK (not started yet). */
    public PushClient push(java.util.function.Consumer<PushMessage> onMessage) {
        return new PushClient(controlPlane, onMessage);
    }

    /** What the VersionBeacon records for this node's tier and {@code version}. */
    public Optional<OnChainRelease> onChain(String version) throws IOException {
        return chain.release(config.tier(), version);
    }

    /** The emergency rollbacks on the VersionBeacon that withdrew this node's tier's version {@code versionId}. */
    public java.util.List<network.noderr.agent.update.OnChainRollback> rollbacksPast(long versionId)
            throws IOException {
        return chain.rollbacksPast(config.tier(), versionId);
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    public Daemon daemon() {
        return daemon;
    }

    public Updater updater() {
        return updater;
    }

    public Optional<String> runningVersion() {
        return Optional.ofNullable(daemon.runningVersion());
    }

    @Override
    public void close() throws IOException {
        metrics.close();
        containers.close();
    }

    /** The node key's signer: the installer's sign command (software or TPM key), or the key file. */
    public static NodeSigner signer(AgentConfig config) throws IOException {
        return config.signCommand() != null ? NodeSigner.command(config.signCommand(), config.configDir())
                : NodeSigner.keyFile(java.util.Objects.requireNonNull(config.keyPath()));
    }

    /** Where the agent reads the VersionBeacon: its own RPC when configured, else the one the control plane names. */
    public static OnChainReleases chain(AgentConfig config, ControlPlane controlPlane) {
        return config.beaconRpcUrl() == null
                ? new network.noderr.agent.chain.AdvertisedBeacon(controlPlane)
                : new BeaconRecord(config.beaconRpcUrl(), java.util.Objects.requireNonNull(config.beaconAddress()));
    }
}
