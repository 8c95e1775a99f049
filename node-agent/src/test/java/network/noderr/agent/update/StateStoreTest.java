package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The update records on disk: their format (read by agents of every version) and what a damaged one does. */
class StateStoreTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void writesInstantsAsIsoTextAndReadsBackTheSameRecord() throws Exception {
        var store = new StateStore(dir, "noderr-node");
        var record = new UpdateRecord(UpdateState.HEALTH_WINDOW, "noderr-node", "noderr-node-previous",
                new UpdateTarget("2.0.0", "registry.example/node:2.0.0", DIGEST), "1.0.0", "sha256:old", null, null,
                Instant.parse("2026-05-01T10:00:00Z"), Instant.parse("2026-05-01T10:01:02.345678Z"), "0123abcd", "on-failure:5", false);
        store.save(record);

        assertThat(Files.readString(dir.resolve("update.json")))
                .contains("\"startedAt\":\"2026-05-01T10:00:00Z\"")
                .contains("\"healthWindowStartedAt\":\"2026-05-01T10:01:02.345678Z\"");
        assertThat(store.load()).isEqualTo(record);

        store.savePrevious(new StateStore.PreviousVersion("1.0.0", "registry.example/node",
                Instant.parse("2026-05-01T10:02:00Z")));
        assertThat(Files.readString(dir.resolve("previous-version.json")))
                .isEqualTo("{\"version\":\"1.0.0\",\"repository\":\"registry.example/node\","
                        + "\"replacedAt\":\"2026-05-01T10:02:00Z\"}");
        assertThat(store.previous()).hasValueSatisfying(p -> assertThat(p.replacedAt())
                .isEqualTo(Instant.parse("2026-05-01T10:02:00Z")));
    }

    @Test
    void aReasonIsKeptOnOneLine() throws Exception {
        // docker-java's message for a refused create: the daemon's JSON answer and its line break
        var docker = "Status 400: {\"message\":\"invalid port specification: \\\"99999\\\"\"}\n";
        var record = UpdateRecord.idle("noderr-node").to(UpdateState.SWAPPING)
                .finish(UpdateOutcome.ROLLED_BACK, "the node's first container did not start: " + docker
                        + "\r\n  the node's first container was removed again ");
        assertThat(record.reason()).isEqualTo("the node's first container did not start: Status 400: {\"message\":"
                + "\"invalid port specification: \\\"99999\\\"\"} the node's first container was removed again");
        var store = new StateStore(dir, "noderr-node");
        store.save(record);
        assertThat(store.load().reason()).doesNotContain("\n").doesNotContain("\r");
    }

    @Test
    void readsARecordWrittenByAnEarlierAgentAndNamesADamagedOne() throws Exception {
        Files.writeString(dir.resolve("update.json"), """
                {"state":"PULLING","container":"noderr-node","previousContainer":"noderr-node-previous",
                 "target":{"versionString":"2.0.0","imageRef":"registry.example/node:2.0.0","imageDigest":"%s"},
                 "fromVersion":"1.0.0","fromImage":null,"outcome":null,"reason":null,
                 "startedAt":"2026-05-01T10:00:00.5Z","healthWindowStartedAt":null,"someFutureField":1}
                """.formatted(DIGEST));
        var store = new StateStore(dir, "noderr-node");
        assertThat(store.load().startedAt()).isEqualTo(Instant.parse("2026-05-01T10:00:00.500Z"));
        assertThat(store.load().state()).isEqualTo(UpdateState.PULLING);

        Files.writeString(dir.resolve("update.json"), Files.readString(dir.resolve("update.json"))
                .replace("2026-05-01T10:00:00.5Z", "yesterday"));
        assertThatThrownBy(store::load).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("is unreadable; move it away");
    }
}
