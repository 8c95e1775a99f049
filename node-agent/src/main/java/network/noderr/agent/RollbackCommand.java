package network.noderr.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import network.noderr.agent.daemon.Agent;
import network.noderr.agent.daemon.OperatorLock;
import network.noderr.agent.update.UpdateOutcome;
import network.noderr.agent.update.UpdateState;
import network.noderr.agent.update.UpdateTarget;
import network.noderr.agent.update.Updater;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code noderr-agent rollback}: back to the version the node ran before its last successful update, through the
 * same update steps (pull by digest, on-chain check, health window, local rollback if that fails, report). Then the
 * operator lock is held, so the daemon does not update the node forward again until the operator removes it.
 *
 * <p>The previous version must be published on the VersionBeacon and not withdrawn: neither after the tier's current
 * version now, nor by any emergency rollback since (a version that was rolled back as bad stays refused after a newer
 * release is published, unless the operator passes {@code --allow-rolled-back}).
 *
 * <p>It never moves the node forward: a previous version newer than the running one (after a rollback, the version
 * it left) is refused, judged by semantic version precedence, or by the VersionBeacon's publish order for the tier
 * when either is not a semantic version (when neither tells, the rollback goes ahead).
 *
 * <p>A refusal changes nothing: the lock file is written only once the update is sure to start (the update lock is
 * held and no earlier update is unfinished on disk), and removed again if the start fails after all.
 */
@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = "Roll the node back to its previous version and hold automatic updates.")
final class RollbackCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ConfigOption config;

    @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
    boolean yes;

    @Option(names = "--reason", defaultValue = "manual rollback by the node operator",
            description = "recorded in the lock file (default: ${DEFAULT-VALUE})")
    String reason;

    @Option(names = "--allow-rolled-back", description = "go back even to a version an emergency rollback once "
            + "withdrew as bad (a newer release was published since), or when the chain's rollback history cannot be "
            + "read")
    boolean rolledBackAllowed;

    /** True once this command wrote the lock file (an operator's own lock is never touched). */
    private boolean wroteLock;

    @Override
    public Integer call() throws Exception {
        var cfg = config.load();
        if (cfg == null) {
            return 2;
        }
        try (var agent = new Agent(cfg, Clock.systemUTC(), false)) {
            var unfinished = agent.updater().current();
            if (unfinished.state() != UpdateState.IDLE) {
                System.err.printf("An update to %s is unfinished (%s): the agent resumes it at its next check. Run the "
                        + "rollback when noderr-agent status shows update: IDLE. Nothing changed.%n",
                        unfinished.target() == null ? "?" : unfinished.target().versionString(), unfinished.state());
                return 1;
            }
            var previous = agent.updater().previous().orElse(null);
            if (previous == null) {
                System.err.println("No previous version is recorded: a rollback needs one successful update on this "
                        + "node first. Nothing changed.");
                return 1;
            }
            var running = agent.runningVersion().orElse(null);
            if (previous.version().equals(running)) {
                System.out.printf("The node already runs %s. Nothing changed.%n", running);
                return 0;
            }
            var bySemver = running == null ? null : newer(previous.version(), running);
            if (Boolean.TRUE.equals(bySemver)) {
                refuseForward(previous.version(), running, "by semantic version", cfg.lockFile());
                return 1;
            }
            if (!yes && !confirmed(running, previous.version(), cfg.lockFile())) {
                return 1;
            }
            var onChain = agent.onChain(previous.version()).orElse(null);
            if (onChain == null) {
                System.err.printf("%s %s is not published on the VersionBeacon: refusing to run it. Nothing changed.%n",
                        cfg.tier(), previous.version());
                return 1;
            }
            if (onChain.isWithdrawn()) {
                System.err.printf("%s %s is withdrawn on the VersionBeacon (an emergency rollback took the tier back to "
                        + "version #%d): refusing to run it. Nothing changed.%n", cfg.tier(), previous.version(),
                        onChain.currentVersionId());
                return 1;
            }
            if (bySemver == null && running != null) { // not semantic versions: the tier's order on the chain
                var runningOnChain = agent.onChain(running).orElse(null);
                if (runningOnChain != null && onChain.versionId() > runningOnChain.versionId()) {
                    refuseForward(previous.version() + " (version #" + onChain.versionId() + ")", running
                            + " (version #" + runningOnChain.versionId() + ")", "in the order the VersionBeacon "
                            + "published them for " + cfg.tier(), cfg.lockFile());
                    return 1;
                }
            }
            if (!rolledBackAllowed) {
                java.util.List<network.noderr.agent.update.OnChainRollback> past;
                try {
                    past = agent.rollbacksPast(onChain.versionId());
                } catch (IOException e) {
                    System.err.printf("Could not read the VersionBeacon's emergency rollbacks, which tell whether %s "
                            + "%s was rolled back as a bad release: %s. Nothing changed. To roll back without that "
                            + "check, run again with --allow-rolled-back.%n", cfg.tier(), previous.version(),
                            e.getMessage());
                    return 1;
                }
                if (!past.isEmpty()) {
                    var last = past.getLast();
                    System.err.printf("%s %s was rolled back as a bad release: an emergency rollback on the "
                            + "VersionBeacon took the tier from version #%d back to #%d (block %d, transaction %s)"
                            + "%s. Refusing to run it. Nothing changed. To run it anyway, run again with "
                            + "--allow-rolled-back.%n", cfg.tier(), previous.version(), last.fromVersionId(),
                            last.toVersionId(), last.blockNumber(), last.transactionHash(),
                            past.size() > 1 ? " (and " + (past.size() - 1) + " more)" : "");
                    return 1;
                }
            }
            var digest = onChain.imageDigest();
            var started = java.time.Instant.now();
            // From the repository the chain records for it (the update refuses any other: Steps.checkOnChain).
            var record = agent.updater().update(new UpdateTarget(previous.version(), onChain.imageRef(), digest),
                    running, () -> {
                        holdUpdates(cfg.lockFile());
                        System.out.printf("Rolling back from %s to %s (%s)…%n", running, previous.version(), digest);
                    });
            var now = agent.runningVersion().orElse(null);
            if (record.state() == UpdateState.IDLE && previous.version().equals(now)) {
                System.out.printf("The node runs %s. Automatic updates are held by %s: delete it to resume them.%n",
                        now, cfg.lockFile());
                return 0;
            }
            var failed = agent.updater().failed().filter(f -> f.versionString().equals(previous.version())
                    && f.outcome() == UpdateOutcome.FAILED && !f.failedAt().isBefore(started)).orElse(null);
            if (record.state() == UpdateState.IDLE && failed != null) { // e.g. no old container to go back to
                System.err.printf("The rollback failed: %s. The node runs %s. Automatic updates stay held by %s.%n",
                        failed.reason(), now == null ? "no container " + cfg.container() : now, cfg.lockFile());
            } else if (record.state() == UpdateState.IDLE) {
                System.err.printf("The rollback did not take: the node runs %s (its health window failed and it was "
                        + "restored). Automatic updates stay held by %s.%n", now, cfg.lockFile());
            } else {
                System.err.printf("The rollback stopped at %s and will be resumed by the agent: %s%n", record.state(),
                        record.reason() == null ? "a step will be retried (see the log above)" : record.reason());
            }
            return 1;
        } catch (Updater.BusyException | Updater.InProgressException e) {
            undoHold(cfg.lockFile());
            System.err.println("Refused: " + Problems.describe(e) + ". Nothing changed.");
            return 1;
        } catch (IOException | java.io.UncheckedIOException e) {
            if (new network.noderr.agent.update.StateStore(cfg.stateDir(), cfg.container()).load().state()
                    != UpdateState.IDLE) { // it did start: the agent resumes it, the hold stays
                System.err.println("The rollback stopped: " + Problems.describe(e) + ". The agent resumes it; "
                        + "automatic updates stay held by " + cfg.lockFile() + ".");
                return 1;
            }
            undoHold(cfg.lockFile());
            System.err.println("Rollback failed: " + Problems.describe(e) + ". Nothing changed.");
            return 1;
        }
    }

    /**
     * Whether {@code previous} is newer than {@code running} by semantic version precedence (the release versions the
     * control plane accepts); null when either is not a semantic version.
     */
    static @org.jspecify.annotations.Nullable Boolean newer(String previous, String running) {
        var a = network.noderr.agent.update.SemanticVersion.parse(previous).orElse(null);
        var b = network.noderr.agent.update.SemanticVersion.parse(running).orElse(null);
        return a == null || b == null ? null : a.compareTo(b) > 0;
    }

    /**
     * The recorded previous version is newer than the running one (the last change was itself a rollback, which
     * recorded the version it left): a rollback goes back only.
     */
    private static void refuseForward(String previous, String running, String judged, Path lockFile) {
        System.err.printf("Refusing to roll back from %s to %s: %s is newer than the version the node runs (%s), and a "
                + "rollback never moves the node forward (the previous version recorded is the one the last update "
                + "or rollback replaced). Nothing changed. To go forward again, delete the operator lock %s (if it is "
                + "there) and let the agent update the node to its tier's version at its next check.%n", running,
                previous, previous, judged, lockFile);
    }

    /** Removes the lock file this command wrote, if it wrote one. */
    private void undoHold(Path lockFile) {
        if (wroteLock) {
            try {
                Files.deleteIfExists(lockFile);
                wroteLock = false;
            } catch (IOException e) {
                System.err.println("Could not remove " + lockFile + ", written by this rollback: "
                        + Problems.describe(e)
                        + " — delete it to let the agent update the node again.");
            }
        }
    }

    /** Asks on standard error, reads the answer from standard input (so {@code echo rollback | …} works too). */
    private boolean confirmed(String running, String previous, Path lockFile) throws IOException {
        System.err.printf("Roll this node back from %s to %s, and hold automatic updates (%s) until you delete that "
                + "file? Type 'rollback' to confirm: ", running, previous, lockFile);
        System.err.flush();
        var answer = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                .readLine();
        if (!"rollback".equals(answer == null ? null : answer.strip())) {
            System.err.println();
            System.err.println("Not confirmed (type 'rollback', or pass --yes). Nothing changed.");
            return false;
        }
        return true;
    }

    private void holdUpdates(Path lockFile) throws IOException {
        var lock = OperatorLock.of(lockFile);
        if (lock.state() == OperatorLock.State.HELD) {
            return; // the operator's own hold stays as it is
        }
        if (lock.state() == OperatorLock.State.UNKNOWN) {
            throw new IOException("the operator lock " + lockFile + " cannot be checked (" + lock.problem()
                    + "), so it cannot be written either; check the path's permissions");
        }
        Files.createDirectories(lockFile.toAbsolutePath().getParent());
        wroteLock = true; // from here on a failure removes it, even half written
        Files.writeString(lockFile, "Held by noderr-agent rollback at " + java.time.Instant.now() + ": " + reason
                + "\nDelete this file to let the agent update the node again.\n", StandardCharsets.UTF_8);
    }
}
