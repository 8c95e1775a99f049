package network.noderr.agent.update;

import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;
import network.noderr.agent.docker.NodeContainers;
import network.noderr.agent.docker.NodeContainers.Health;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One class per step of the update (DESIGN §7). Each is idempotent: after a crash it runs again and converges. */
final class Steps {

    private Steps() {}

    /**
     * What every step may use. {@code clock} gives the timestamps that are recorded and reported; {@code nanoTime}
     * (monotonic, {@link System#nanoTime()}) measures the waits within this process, so that a wall clock stepped by
     * NTP neither cuts nor stretches the health window.
     */
    record Context(NodeContainers containers, OnChainReleases chain, UpdateReporter reporter, UpdateSettings settings,
            Clock clock, LongSupplier nanoTime, StateStore store) {}

    interface Step {
        UpdateRecord run(UpdateRecord r) throws UpdateException, InterruptedException;
    }

    static Step forState(UpdateState state, Context c) {
        return switch (state) {
            case PULLING -> new Pull(c);
            case VERIFYING -> new Verify(c);
            case PREPARING -> new Prepare(c);
            case SWAPPING -> new Swap(c);
            case HEALTH_WINDOW -> new HealthWindow(c);
            case COMMITTING -> new Commit(c);
            case ROLLING_BACK -> new Rollback(c);
            case REPORTING -> new Report(c);
            case IDLE -> throw new IllegalStateException("nothing to run in IDLE");
        };
    }

    /**
     * PULLING → VERIFYING: the image by its digest (a tag could be moved; a digest cannot), from the repository the
     * VersionBeacon records. The chain is asked first ({@link #checkOnChain}): a target the chain does not record —
     * another digest, another repository, not published, withdrawn — is refused before anything is fetched, so that a
     * control plane that names other images (compromised, or wrong) cannot make nodes pull from any registry host it
     * likes, or fill their disks.
     */
    record Pull(Context c) implements Step {
        @Override
        public UpdateRecord run(UpdateRecord r) throws UpdateException, InterruptedException {
            var target = Objects.requireNonNull(r.target());
            checkOnChain(c, target);
            try {
                c.containers().pull(target.repository(), target.imageDigest(), c.settings().pullTimeout());
                return r.to(UpdateState.VERIFYING);
            } catch (NotFoundException e) {
                throw new UpdateException.Fatal("the registry has no " + target.pinned());
            } catch (DockerException | IllegalStateException e) {
                throw new UpdateException.Retryable("pull of " + target.pinned() + " failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new UpdateException.Retryable("pull of " + target.pinned() + " failed: " + e, e);
            }
        }
    }

    /**
     * The target must be what the VersionBeacon records for this tier and version: that digest, from that image's
     * repository, and the version not withdrawn (published after the tier's current version, which an emergency
     * rollback went back past). Whether the control plane may ask for a version older than the current one is the
     * daemon's decision before an update starts; an operator's {@code rollback} to the previous version may.
     */
    static void checkOnChain(Context c, UpdateTarget target) throws UpdateException {
        OnChainRelease onChain;
        try {
            onChain = c.chain().release(c.settings().tier(), target.versionString()).orElse(null);
        } catch (IOException e) {
            throw new UpdateException.Retryable("the VersionBeacon cannot be read: " + e.getMessage(), e);
        }
        if (onChain == null) {
            throw new UpdateException.Fatal(c.settings().tier() + " " + target.versionString()
                    + " is not published on the VersionBeacon; refusing " + target.imageDigest());
        }
        if (!onChain.imageDigest().equals(target.imageDigest())) {
            throw new UpdateException.Fatal("digest mismatch for " + c.settings().tier() + " "
                    + target.versionString() + ": the control plane says " + target.imageDigest()
                    + ", the VersionBeacon records " + onChain.imageDigest() + "; refusing the image");
        }
        if (!onChain.repository().equals(target.repository())) {
            throw new UpdateException.Fatal("repository mismatch for " + c.settings().tier() + " "
                    + target.versionString() + ": the control plane says " + target.repository()
                    + ", the VersionBeacon records " + onChain.imageRef() + "; refusing the image");
        }
        if (onChain.isWithdrawn()) {
            throw new UpdateException.Fatal(c.settings().tier() + " " + target.versionString() + " (version #"
                    + onChain.versionId() + ") is withdrawn on the VersionBeacon: an emergency rollback took the "
                    + "tier back to version #" + onChain.currentVersionId() + "; refusing " + target.imageDigest());
        }
    }

    /**
     * VERIFYING → PREPARING: the chain asked again ({@link #checkOnChain}: it may have moved during the pull, an
     * emergency rollback withdrawing the version), and the pulled image is the pinned one.
     */
    record Verify(Context c) implements Step {
        @Override
        public UpdateRecord run(UpdateRecord r) throws UpdateException {
            var target = Objects.requireNonNull(r.target());
            checkOnChain(c, target);
            if (!c.containers().repoDigests(target.pinned()).contains(target.pinned())) {
                throw new UpdateException.Fatal("the pulled image is not " + target.pinned());
            }
            return r.to(UpdateState.PREPARING);
        }
    }

    /**
     * PREPARING → SWAPPING: the running container is recorded (id, image, restart policy), then its restart policy
     * is set to {@code no}, it is stopped and kept under the "previous" name. The record is written before anything
     * is changed (this step first returns PREPARING with the old container recorded), so that after a crash the
     * original restart policy is known; with the old one's policy left as it was, a Docker restart or a reboot in the
     * middle of the update would start both containers on the same ports and volumes. A node without any container
     * (a fresh install) goes on to SWAPPING with the record marked {@link UpdateRecord#firstContainer()}: nothing to
     * stop or keep.
     */
    record Prepare(Context c) implements Step {
        @Override
        public UpdateRecord run(UpdateRecord r) throws UpdateException {
            var containers = c.containers();
            var current = containers.inspect(r.container());
            var previous = containers.inspect(r.previousContainer());
            if (r.fromContainerId() == null) { // record the old container before touching it
                if (current.isEmpty() && previous.isPresent()) {
                    throw new UpdateException.Fatal("there is no container " + r.container() + " to update (if "
                            + r.previousContainer() + " is the node's container, rename it to " + r.container() + ")");
                }
                if (current.isEmpty()) { // a fresh node: the record says so before anything is created
                    LoggerFactory.getLogger(Prepare.class).info("The node has no container {}: it is created from {}",
                            r.container(), Objects.requireNonNull(r.target()).pinned());
                    return r.asFirstContainer().to(UpdateState.SWAPPING);
                }
                if (r.firstContainer()) { // resumed: the state on disk was written before the swap created it
                    if (createdBy(current.get(), r)) {
                        return r.to(UpdateState.SWAPPING);
                    }
                    throw new UpdateException.Fatal(notCreatedHere(r));
                }
                return r.withOldContainer(current.get().getId(), current.get().getImageId(),
                        NodeContainers.restartPolicyOf(current.get()));
            }
            var kept = previous.filter(p -> p.getId().equals(r.fromContainerId()));
            if (previous.isPresent() && kept.isEmpty()) {
                throw new UpdateException.Fatal("a container " + r.previousContainer() + " exists that this update "
                        + "did not keep (a leftover?); the node was not touched: remove " + r.previousContainer()
                        + " first (docker rm " + r.previousContainer() + ")");
            }
            if (current.isPresent() && previous.isEmpty()) {
                containers.setRestartPolicy(r.container(), "no");
                containers.stop(r.container(), c.settings().stopGrace());
                containers.rename(r.container(), r.previousContainer());
                return r.to(UpdateState.SWAPPING);
            }
            if (current.isEmpty() && previous.isPresent()) {
                containers.setRestartPolicy(r.previousContainer(), "no"); // done, or renamed before a crash
                return r.to(UpdateState.SWAPPING);
            }
            if (current.isPresent()) { // both, the old one kept: the new one exists already; swap starts it
                var targetImage = containers.imageId(Objects.requireNonNull(r.target()).pinned());
                if (!current.get().getImageId().equals(targetImage)) {
                    throw new UpdateException.Fatal("both " + r.container() + " and " + r.previousContainer()
                            + " exist and " + r.container() + " does not run " + r.target().pinned()
                            + "; remove " + r.previousContainer() + " first");
                }
                containers.setRestartPolicy(r.previousContainer(), "no");
                return r.to(UpdateState.SWAPPING);
            }
            throw new UpdateException.Fatal("there is no container " + r.container() + " to update");
        }
    }

    /**
     * Puts the old container (by its recorded id) back under its name with its restart policy, and starts it, when
     * the update had stopped or renamed it; removes a new container under the name first. For when the update cannot
     * go on (its state cannot be written). Returns what it found or did, for the error message; never throws.
     */
    static String restoreOld(Context c, UpdateRecord r) {
        var id = r.fromContainerId();
        if (r.firstContainer()) {
            return "the node had no container; " + r.container() + " is left as it is until the update resumes";
        }
        if (id == null) {
            return "the container " + r.container() + " was not touched";
        }
        var containers = c.containers();
        try {
            var current = containers.inspect(r.container());
            var kept = containers.inspect(r.previousContainer()).filter(p -> p.getId().equals(id));
            if (kept.isPresent()) {
                if (current.isPresent() && !current.get().getId().equals(id)) {
                    containers.remove(r.container()); // the new container
                }
                containers.rename(r.previousContainer(), r.container());
            } else if (current.isEmpty() || !current.get().getId().equals(id)) {
                return "the old container is gone: the update had committed, " + r.container() + " runs "
                        + (r.target() == null ? "the new version" : r.target().versionString());
            }
            var old = containers.inspect(r.container()).orElseThrow();
            var policy = r.fromRestartPolicy();
            if (kept.isEmpty() && (policy == null || policy.equals(NodeContainers.restartPolicyOf(old)))) {
                return "the old container is " + r.container() + " as before"; // not stopped, or rolled back
            }
            if (policy != null) {
                containers.setRestartPolicy(r.container(), policy);
            }
            containers.start(r.container());
            return "the old container was restored and started as " + r.container();
        } catch (RuntimeException e) {
            return "the old container " + r.previousContainer() + " could not be restored (" + e.getMessage()
                    + "): rename it to " + r.container() + " and start it";
        }
    }

    /**
     * The old container is back under the node's name although the record says the swap went further: it was
     * restored because the state could not be written. The swap starts over from PREPARING.
     */
    static boolean oldIsBack(Context c, UpdateRecord r) {
        if (r.fromContainerId() == null || !c.containers().inspect(r.container())
                .map(old -> old.getId().equals(r.fromContainerId())).orElse(false)) {
            return false;
        }
        LoggerFactory.getLogger(Steps.class).info("The old container {} is back under its name (restored when the "
                + "update state could not be written): the swap starts over", r.container());
        return true;
    }

    /**
     * SWAPPING → HEALTH_WINDOW: the new container, with the old one's configuration, started; on a node without a
     * container, its first one with the configured defaults.
     */
    record Swap(Context c) implements Step {
        @Override
        public UpdateRecord run(UpdateRecord r) throws UpdateException {
            var containers = c.containers();
            if (oldIsBack(c, r)) {
                return r.to(UpdateState.PREPARING);
            }
            var target = Objects.requireNonNull(r.target());
            if (r.firstContainer()) {
                return first(r, target);
            }
            try {
                if (containers.inspect(r.container()).isEmpty()) {
                    var old = containers.inspect(r.previousContainer())
                            .filter(p -> r.fromContainerId() == null || p.getId().equals(r.fromContainerId()))
                            .orElseThrow(() -> new UpdateException.Fatal("the previous container "
                                    + r.previousContainer() + " is gone (or is another container now)"));
                    containers.createLike(old, r.container(), target.pinned(), r.fromRestartPolicy() == null
                            ? NodeContainers.restartPolicyOf(old) : r.fromRestartPolicy());
                }
                containers.start(r.container());
                return r.to(UpdateState.HEALTH_WINDOW);
            } catch (DockerException | IllegalArgumentException e) {
                throw new UpdateException.Fatal("the new container did not start: " + e.getMessage()
                        + portTaken(e.getMessage(), false), e);
            }
        }

        /**
         * The node's first container: created from the target with the
         * {@link network.noderr.agent.docker.FirstContainer} settings and this update's label, then started. After a
         * crash the label tells the container created here (started again) from one that appeared meanwhile (not
         * touched: the update ends).
         */
        private UpdateRecord first(UpdateRecord r, UpdateTarget target) throws UpdateException {
            var containers = c.containers();
            try {
                var current = containers.inspect(r.container());
                if (current.isPresent() && !createdBy(current.get(), r)) {
                    throw new UpdateException.Fatal(notCreatedHere(r));
                }
                if (current.isEmpty()) {
                    containers.createFirst(r.container(), target.pinned(), c.settings().firstContainer(),
                            java.util.Map.of(UpdateRecord.CREATED_LABEL, r.createdLabelValue()));
                }
                containers.start(r.container());
                return r.to(UpdateState.HEALTH_WINDOW);
            } catch (DockerException | IllegalArgumentException e) {
                throw new UpdateException.Fatal("the node's first container did not start: " + e.getMessage()
                        + portTaken(e.getMessage(), true), e);
            }
        }
    }

    /**
     * What to do when Docker could not publish a port of the node's container because something else on the machine
     * holds it (another program: "address already in use"; another container: "port is already allocated"), appended
     * to Docker's message; empty for any other failure.
     *
     * @param first whether the container is the node's first, whose ports come from {@code node-ports}; otherwise they
     *     are the old container's
     */
    static String portTaken(@Nullable String dockerMessage, boolean first) {
        if (dockerMessage == null || !(dockerMessage.contains("address already in use")
                || dockerMessage.contains("port is already allocated"))) {
            return "";
        }
        return first
                ? " (a port the container publishes is taken on this machine: choose free ones with node-ports in the"
                        + " agent's configuration, restart the agent and run noderr-agent retry)"
                : " (a port the container publishes, as the old one did, is taken on this machine by another program"
                        + " or container: free it, then run noderr-agent retry)";
    }

    /**
     * HEALTH_WINDOW → COMMITTING or ROLLING_BACK: the new container must become healthy within the rollback
     * timeout and stay so for the health window, both measured on the monotonic clock. After a restart of the agent
     * the window starts again from the beginning (a monotonic time does not survive the process).
     */
    record HealthWindow(Context c) implements Step {
        @Override
        public UpdateRecord run(UpdateRecord r) throws InterruptedException {
            if (oldIsBack(c, r)) {
                return r.to(UpdateState.PREPARING);
            }
            long start = c.nanoTime().getAsLong(); // monotonic: the wall clock may be stepped meanwhile
            long timeout = c.settings().rollbackTimeout().toNanos();
            long window = c.settings().healthWindow().toNanos();
            Long healthySince = null;
            while (true) {
                var health = c.containers().health(r.container());
                long now = c.nanoTime().getAsLong();
                switch (health) {
                    case UNHEALTHY, NOT_RUNNING -> {
                        return r.finish(UpdateOutcome.ROLLED_BACK, "the new container is "
                                + health.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                                + c.containers().whyNotHealthy(r.container())).to(UpdateState.ROLLING_BACK);
                    }
                    case HEALTHY -> {
                        if (healthySince == null) {
                            healthySince = now;
                        }
                        if (now - healthySince >= window) {
                            return r.to(UpdateState.COMMITTING);
                        }
                    }
                    case STARTING -> healthySince = null;
                }
                if (healthySince == null && now - start > timeout) {
                    return r.finish(UpdateOutcome.ROLLED_BACK, "the new container did not become healthy within "
                            + c.settings().rollbackTimeout().toSeconds() + " s"
                            + c.containers().whyNotHealthy(r.container())).to(UpdateState.ROLLING_BACK);
                }
                Thread.sleep(Duration.ofMillis(250));
            }
        }
    }

    /**
     * COMMITTING → REPORTING: the old container goes (by the id recorded in PREPARING: never another container that
     * carries the "previous" name). Three images of the repository stay: the new version's, the previous one's (for
     * {@code noderr-agent rollback}) and the newest other one, a failed target's only if there is no other.
     */
    record Commit(Context c) implements Step {
        @Override
        public UpdateRecord run(UpdateRecord r) {
            if (oldIsBack(c, r)) {
                return r.to(UpdateState.PREPARING);
            }
            if (!r.firstContainer()) { // a first container replaced none
                c.containers().remove(r.fromContainerId() != null ? r.fromContainerId() : r.previousContainer());
            }
            var target = Objects.requireNonNull(r.target());
            var keep = new java.util.HashSet<String>();
            c.containers().inspect(r.container()).ifPresent(n -> keep.add(n.getImageId())); // the running version
            if (r.fromImage() != null) {
                keep.add(r.fromImage()); // the previous one: noderr-agent rollback goes back to it
            }
            try {
                c.containers().pruneImages(target.repository(), 3, keep,
                        c.store().failed().map(StateStore.FailedTarget::imageDigest).orElse(null));
            } catch (DockerException e) { // the update is done; images are pruned again after the next one
                LoggerFactory.getLogger(Commit.class).warn("Old images of {} were not pruned: {}",
                        target.repository(), e.getMessage());
            }
            return r.finish(UpdateOutcome.SUCCEEDED, null);
        }
    }

    /**
     * ROLLING_BACK → REPORTING: the new container goes, the old one comes back under its name and starts (a node's
     * first container only goes: the node is left without one, as it was). The old one
     * is recognised by the id recorded in PREPARING: a container that only carries its name (the kept one was
     * removed, another one created) is never started ({@link UpdateException.NotTheOldContainer}). A record without
     * the id (written before the agent recorded it) goes by the names, as then.
     */
    record Rollback(Context c) implements Step {
        /** Added to the reason when the node's first container was removed again. */
        static final String FIRST_REMOVED = "; the node's first container was removed again: the node has no "
                + "container, as before the update";

        @Override
        public UpdateRecord run(UpdateRecord r) throws UpdateException {
            var containers = c.containers();
            if (r.firstContainer()) { // the node had no container: it has none again
                var current = containers.inspect(r.container());
                boolean foreign = current.isPresent() && !createdBy(current.get(), r); // never touched
                if (current.isPresent() && !foreign) {
                    containers.remove(r.container());
                }
                var why = r.reason() == null ? "rolled back" : r.reason();
                return r.finish(r.outcome() == null ? UpdateOutcome.ROLLED_BACK : r.outcome(),
                        foreign ? why : why + FIRST_REMOVED);
            }
            var id = r.fromContainerId();
            var previous = containers.inspect(r.previousContainer());
            if (previous.filter(p -> id == null || p.getId().equals(id)).isPresent()) {
                containers.remove(r.container());
                containers.rename(r.previousContainer(), r.container());
            }
            var current = containers.inspect(r.container());
            if (current.isEmpty() && previous.isEmpty()) {
                throw new UpdateException.Fatal("neither " + r.container() + " nor " + r.previousContainer()
                        + " exists: nothing to roll back to");
            }
            if (id != null && current.filter(old -> old.getId().equals(id)).isEmpty()) {
                throw new UpdateException.NotTheOldContainer("the old container (id " + shortId(id) + ") is gone: "
                        + current.map(n -> r.container() + " is " + shortId(n.getId())).orElse("there is no "
                        + r.container()) + previous.map(p -> ", " + r.previousContainer() + " is " + shortId(p.getId()))
                        .orElse("") + ", neither of them the one this update kept; not started. Bring the node's "
                        + "container back by hand (docker ps -a)");
            }
            if (r.fromRestartPolicy() != null) { // set to "no" for the swap
                containers.setRestartPolicy(r.container(), r.fromRestartPolicy());
            }
            containers.start(r.container());
            var reason = r.reason() == null ? "rolled back" : r.reason();
            return r.finish(r.outcome() == null ? UpdateOutcome.ROLLED_BACK : r.outcome(), reason);
        }
    }

    /** Whether {@code container} is the first container this update created (by its label). */
    static boolean createdBy(com.github.dockerjava.api.command.InspectContainerResponse container, UpdateRecord r) {
        var labels = container.getConfig() == null ? null : container.getConfig().getLabels();
        return labels != null && r.createdLabelValue().equals(labels.get(UpdateRecord.CREATED_LABEL));
    }

    static String notCreatedHere(UpdateRecord r) {
        return "a container " + r.container() + " was created meanwhile, not by this update (the node had none when it "
                + "started); it is not touched: remove it to let the agent create the node's container, or keep it "
                + "and let the next update replace it";
    }

    /** Docker's short form of a container id, for messages. */
    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /**
     * REPORTING → IDLE: tell the control plane; kept (and retried) until it has been told, or until it refuses the
     * report for good — then it is logged and given up, so that the agent goes on checking its version.
     */
    record Report(Context c) implements Step {
        private static final Logger log = LoggerFactory.getLogger(Report.class);

        @Override
        public UpdateRecord run(UpdateRecord r) throws UpdateException {
            var duration = durationMs(r.startedAt(), c.clock().instant());
            try {
                c.reporter().report(r, duration);
            } catch (UpdateReporter.Refused e) {
                log.warn("The control plane refused the report of the update to {} ({}), so it is not sent again: {}",
                        r.target() == null ? "?" : r.target().versionString(), r.outcome(), e.getMessage());
            } catch (IOException e) {
                throw new UpdateException.Retryable("the report could not be sent: " + e.getMessage(), e);
            }
            return UpdateRecord.idle(r.container());
        }

        /**
         * From the start to now, within what the control plane accepts: 0 when the clock was set back meanwhile,
         * {@link UpdateReporter#MAX_DURATION} when the update waited longer than that.
         */
        static long durationMs(@Nullable Instant startedAt, Instant now) {
            if (startedAt == null || now.isBefore(startedAt)) {
                return 0;
            }
            var duration = Duration.between(startedAt, now);
            return duration.compareTo(UpdateReporter.MAX_DURATION) > 0 ? UpdateReporter.MAX_DURATION.toMillis()
                    : duration.toMillis();
        }
    }
}
