package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator lock as the daemon, {@code status} and {@code retry} see it: held, free, or not to be told (a symlink
 * loop here; in the service's namespace, a directory it may not look into) — which holds updates, and the commands
 * say so instead of calling the lock free.
 */
class OperatorLockTest {

    @TempDir
    Path dir;

    @Test
    void aLockIsHeldFreeOrCannotBeChecked() throws Exception {
        var lock = dir.resolve("update.lock");
        assertThat(OperatorLock.of(lock).state()).isEqualTo(OperatorLock.State.FREE);
        assertThat(OperatorLock.of(lock).holdsUpdates()).isFalse();
        Files.writeString(lock, "held");
        assertThat(OperatorLock.of(lock).state()).isEqualTo(OperatorLock.State.HELD);
        assertThat(OperatorLock.of(lock).holdsUpdates()).isTrue();
        Files.delete(lock);
        Files.createSymbolicLink(lock, lock.getFileName());
        var loop = OperatorLock.of(lock);
        assertThat(loop.state()).isEqualTo(OperatorLock.State.UNKNOWN);
        assertThat(loop.holdsUpdates()).as("fails closed").isTrue();
        assertThat(loop.problem()).isNotBlank();
    }

    @Test
    void statusAndRetrySayWhenTheLockCannotBeChecked() throws Exception {
        var state = dir.resolve("state");
        var config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "control-plane-url=http://127.0.0.1:9", "node-id=ndr_lock",
                "tier=ORACLE", "key-path=" + dir.resolve("node.key"), "state-dir=" + state,
                "docker-host=unix://" + dir.resolve("no-docker.sock")) + "\n"); // status reads files only here
        Files.createDirectories(state);
        Files.writeString(state.resolve("failed-target.json"), """
                {"versionString":"3.0.0","imageDigest":"sha256:%s","outcome":"ROLLED_BACK",\
                "reason":"unhealthy","failedAt":"2026-01-02T03:04:05Z"}""".formatted("a".repeat(64)));
        var lock = state.resolve("update.lock");
        Files.createSymbolicLink(lock, lock.getFileName());

        var status = AgentEndToEndTest.command("status", "", "--config", config.toString());
        assertThat(status.exit()).as(status.toString()).isZero();
        assertThat(status.out()).containsPattern("lock: +cannot be checked \\(" + java.util.regex.Pattern.quote(
                lock.toString()) + ": .+\\): the agent starts no update until it can tell whether the lock exists");

        var retry = AgentEndToEndTest.command("retry", "", "--config", config.toString());
        assertThat(retry.exit()).as(retry.toString()).isZero();
        assertThat(retry.out()).contains("Forgot the failed update to 3.0.0")
                .contains("restart the agent first: it keeps the settings it started with")
                .contains("once it can check the operator lock " + lock + " (it cannot now: ");

        Files.delete(lock);
        Files.writeString(lock, "held by the operator");
        assertThat(AgentEndToEndTest.command("status", "", "--config", config.toString()).out())
                .containsPattern("lock: +held \\(");
        Files.delete(lock);
        assertThat(AgentEndToEndTest.command("status", "", "--config", config.toString()).out())
                .containsPattern("lock: +none");
    }
}
