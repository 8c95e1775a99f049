package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import network.noderr.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code noderr-agent status} says the agent waits for: the daemon's last check (its time, age, outcome and
 * error, written by the daemon to the state directory), the last target and whether the control plane moves the node
 * there, and what holds the update back (the operator lock before an emergency rollback, a held failed target). No
 * Docker and no control plane: the daemon's check fails on Docker's missing socket, which it names.
 */
class StatusOutputTest {

    @TempDir
    Path dir;

    private static final String DIGEST = "sha256:" + "b".repeat(64);

    private Path config(String... extra) throws Exception {
        var key = dir.resolve("node-key.pem");
        if (!Files.exists(key)) {
            var generator = java.security.KeyPairGenerator.getInstance("EC");
            generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                    generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        }
        int closed;
        try (var socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        var lines = new java.util.ArrayList<>(java.util.List.of("control-plane-url=http://127.0.0.1:" + closed,
                "node-id=ndr_status", "tier=ALL", "key-path=" + key, "state-dir=" + dir.resolve("state"),
                "docker-host=unix://" + dir.resolve("no-docker.sock"), "metrics-port=0"));
        lines.addAll(java.util.List.of(extra));
        var file = dir.resolve("agent.properties");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static AgentEndToEndTest.Run status(Path config) {
        var run = AgentEndToEndTest.command("status", "", "--config", config.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        return run;
    }

    @Test
    void aFailedCheckIsShownWithItsAgeAndCause() throws Exception {
        var file = config();
        assertThat(status(file).out()).as("before the daemon's first status")
                .containsPattern("last check: +never: no status from the daemon yet .*is it running\\?")
                .containsPattern("last report: +never: no status from the daemon yet");
        var cfg = AgentConfig.load(file, java.util.Map.of());
        try (var agent = new Agent(cfg, Clock.systemUTC(), false)) {
            assertThat(agent.daemon().check()).isEqualTo(Daemon.CheckResult.FAILED);
        }
        var out = status(file).out();
        assertThat(out)
                .containsPattern("last check: +20\\d\\d-\\S+ \\(\\d+ s ago\\): FAILED — Docker at "
                        + Pattern.quote("unix://" + dir.resolve("no-docker.sock")) + " did not answer \\(the socket "
                        + "does not exist")
                .containsPattern("last answer: +none: the control plane has not answered this daemon's version query yet")
                .containsPattern("target: +not known yet")
                .containsPattern("last report: +none delivered yet: the daemon's health reports have not reached")
                .doesNotContain("is it running")
                .containsPattern("held back: +nothing");
    }

    /**
     * A sandbox install ({@code install.sh --prefix}) has no service: the installer writes {@code service=none}, and
     * {@code status} tells its operator to start {@code noderr-agent run} and where that daemon's log is, not to ask
     * systemd about a unit that does not exist. An installed service is named as such.
     */
    @Test
    void anInstallWithoutAServiceIsNotSentToSystemd() throws Exception {
        var sandbox = status(config("service=none")).out();
        assertThat(sandbox)
                .containsPattern("last check: +never: no status from the daemon yet .*is it running\\? This install "
                        + "has no service \\(service=none\\): start the daemon with noderr-agent run\\)")
                .doesNotContain("systemctl")
                .doesNotContain("journalctl");
        var state = dir.resolve("state");
        var now = Instant.now();
        new AgentStatus(now, null, "1.0.0", now, Daemon.CheckResult.UP_TO_DATE.name(), null,
                new AgentStatus.Target("1.0.0", DIGEST, false, "normal")).save(state);
        assertThat(status(config("service=none")).out())
                .containsPattern("last report: +none delivered yet: .*\\(its log says why: the output of noderr-agent "
                        + "run\\)")
                .doesNotContain("journalctl");

        assertThat(status(config("service=noderr-agent-2")).out()).as("another unit")
                .containsPattern("last report: +none delivered yet: .*\\(its log says why: journalctl -u "
                        + "noderr-agent-2\\)");
        Files.delete(state.resolve("agent-status.json"));
        assertThat(status(config()).out()).as("the default: the installed unit")
                .containsPattern("is it running\\? systemctl status noderr-agent\\)");
    }

    @Test
    void anEmergencyRollbackWaitingForTheLockIsShownAsSuch() throws Exception {
        var file = config();
        var state = dir.resolve("state");
        var now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        new AgentStatus(now.minusSeconds(400), now.minusSeconds(30), "3.0.0", now.minusSeconds(400),
                Daemon.CheckResult.HELD_BY_LOCK.name(), null,
                new AgentStatus.Target("1.0.0", DIGEST, true, "emergency")).save(state);
        Files.writeString(state.resolve("update.lock"), "maintenance\n");

        var out = status(file).out();
        assertThat(out)
                .containsPattern("target: +1\\.0\\.0 \\(" + DIGEST + ", priority emergency\\): the control plane "
                        + "moves this node to it")
                .containsPattern("last check: +" + Pattern.quote(now.minusSeconds(400).toString())
                        + " \\(6 min ago\\): the update waits for the operator lock")
                .containsPattern("held back: +the emergency rollback to 1\\.0\\.0 waits for the operator lock "
                        + Pattern.quote(state.resolve("update.lock").toString()) + ": delete it to let it run")
                .doesNotContain("last answer:");
    }

    @Test
    void aHeldFailedTargetAndAPausedRolloutAreShown() throws Exception {
        var file = config();
        var state = dir.resolve("state");
        var now = Instant.now();
        new AgentStatus(now, now, "2.0.0", now, Daemon.CheckResult.HELD_FAILED_TARGET.name(), null,
                new AgentStatus.Target("3.0.0", DIGEST, true, "normal")).save(state);
        Files.writeString(state.resolve("failed-target.json"), """
                {"versionString":"3.0.0","imageDigest":"%s","outcome":"ROLLED_BACK",\
                "reason":"the new container is unhealthy","failedAt":"2026-01-02T03:04:05Z"}""".formatted(DIGEST));
        assertThat(status(file).out())
                .containsPattern("held back: +the update to 3\\.0\\.0 is the update that failed here \\(ROLLED_BACK\\):"
                        + " not started again until noderr-agent retry");

        Files.delete(state.resolve("failed-target.json"));
        new AgentStatus(now, now, "2.0.0", now, Daemon.CheckResult.UP_TO_DATE.name(), null,
                new AgentStatus.Target("3.0.0", DIGEST, false, "normal")).save(state);
        assertThat(status(file).out())
                .containsPattern("target: +3\\.0\\.0 \\(" + DIGEST + ", priority normal\\): the control plane does not "
                        + "move this node to it now \\(the rollout is paused")
                .containsPattern("held back: +nothing: the control plane asks for no update");
    }

    @Test
    void aCheckThatFoundNothingToDoSaysWhy() throws Exception {
        var file = config();
        var state = dir.resolve("state");
        var now = Instant.now();
        // a node whose cohort has not had its turn: the control plane names 2.0.0 but does not move it there
        new AgentStatus(now, now, "1.0.0", now, AgentStatus.NOT_MOVED_NOW, null,
                new AgentStatus.Target("2.0.0", DIGEST, false, "normal")).save(state);
        assertThat(status(file).out())
                .containsPattern("last check: +\\S+ \\(\\d+ s ago\\): waits: the control plane does not move this node "
                        + "to 2\\.0\\.0 yet \\(its cohort's turn has not come or the rollout is paused\\)\\n")
                .doesNotContain("up to date");

        // a fresh node (no container) while its tier has no release
        new AgentStatus(now, null, null, now, AgentStatus.NO_RELEASE, null,
                new AgentStatus.Target(null, null, false, "normal")).save(state);
        assertThat(status(file).out())
                .containsPattern("last check: +\\S+ \\(\\d+ s ago\\): no container yet and no release named for it")
                .doesNotContain("up to date");

        // a fresh node whose cohort has not had its turn
        new AgentStatus(now, null, null, now, AgentStatus.NOT_MOVED_NOW, null,
                new AgentStatus.Target("2.0.0", DIGEST, false, "normal")).save(state);
        assertThat(status(file).out()).containsPattern("last check: +\\S+ \\(\\d+ s ago\\): waits: the control plane "
                + "does not move this node to 2\\.0\\.0 yet \\(.*\\); no container yet");

        // only a node that runs the target is up to date
        new AgentStatus(now, now, "2.0.0", now, Daemon.CheckResult.UP_TO_DATE.name(), null,
                new AgentStatus.Target("2.0.0", DIGEST, false, "normal")).save(state);
        assertThat(status(file).out()).containsPattern("last check: +\\S+ \\(\\d+ s ago\\): up to date");
    }

    @Test
    void anUpdateUnderWayIsShownAsSuch() throws Exception {
        var file = config();
        var state = dir.resolve("state");
        var now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        var store = new network.noderr.agent.update.StateStore(state, "noderr-node");
        var target = new network.noderr.agent.update.UpdateTarget("2.0.0", "registry.example/node:2.0.0", DIGEST);
        var started = new network.noderr.agent.update.UpdateRecord(network.noderr.agent.update.UpdateState.HEALTH_WINDOW,
                "noderr-node", "noderr-node-previous", target, "1.0.0", "sha256:old", null, null, now, now, "0123abcd",
                "unless-stopped", false);
        store.save(started);
        // the check before the update started (a pushed check, or noderr-agent rollback, started it since)
        new AgentStatus(now.minusSeconds(26), now, "1.0.0", now.minusSeconds(26), Daemon.CheckResult.UP_TO_DATE.name(),
                null, new AgentStatus.Target("2.0.0", DIGEST, true, "normal")).save(state);
        var out = status(file).out();
        assertThat(out)
                .containsPattern("update: +HEALTH_WINDOW → 2\\.0\\.0")
                .containsPattern("previous: +1\\.0\\.0 \\(kept stopped as noderr-node-previous until the update to "
                        + "2\\.0\\.0 commits\\)")
                .containsPattern("last check: +\\S+ \\(\\d+ s ago\\): the update to 2\\.0\\.0 has started since; it is in "
                        + "progress \\(update: HEALTH_WINDOW\\)")
                .containsPattern("held back: +nothing: the update to 2\\.0\\.0 is in progress \\(step HEALTH_WINDOW;")
                .doesNotContain("up to date")
                .doesNotContain("starts at the daemon's next check");

        // the check that started it, as the daemon writes it before the first step
        new AgentStatus(now, now, "1.0.0", now, AgentStatus.UPDATING, null,
                new AgentStatus.Target("2.0.0", DIGEST, true, "normal")).save(state);
        assertThat(status(file).out()).containsPattern("last check: +\\S+ \\(\\d+ s ago\\): started the update to "
                + "2\\.0\\.0; it is in progress \\(update: HEALTH_WINDOW\\)");

        store.save(started.finish(network.noderr.agent.update.UpdateOutcome.ROLLED_BACK, "unhealthy")
                .to(network.noderr.agent.update.UpdateState.ROLLING_BACK));
        assertThat(status(file).out()).containsPattern("held back: +nothing: the update to 2\\.0\\.0 failed and is "
                + "being rolled back \\(step ROLLING_BACK\\)")
                .as("going back to the old container: the version before it, none here")
                .containsPattern("previous: +none recorded");

        store.save(started.finish(network.noderr.agent.update.UpdateOutcome.SUCCEEDED, null));
        assertThat(status(file).out()).containsPattern("previous: +1\\.0\\.0 \\(replaced by the update to 2\\.0\\.0, "
                + "which is being reported\\)");

        // a fresh node's first container replaces none
        store.save(started.asFirstContainer().withFrom(null, null));
        assertThat(status(file).out()).containsPattern("previous: +none \\(the update to 2\\.0\\.0 creates the "
                + "node's first container\\)");
    }
}
