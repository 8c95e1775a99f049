package network.noderr.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * Log lines under systemd's journal carry their syslog priority (so {@code journalctl -p warning} shows warnings and
 * errors) and no time stamp of their own; elsewhere every line carries a time stamp. The HTTP client under
 * docker-java logs warnings only.
 */
class AgentLogsTest {

    @Test
    void outsideTheJournalEveryLineHasATimeStamp() {
        var p = AgentLogs.properties(Map.of());
        assertThat(p).containsEntry("org.slf4j.simpleLogger.showDateTime", "true")
                .containsKey("org.slf4j.simpleLogger.dateTimeFormat")
                .containsEntry("org.slf4j.simpleLogger.log.org.apache.hc", "warn")
                .containsEntry("slf4j.provider", AgentLogs.Provider.class.getName());
        assertThat(new AgentLogs.JournalLogger("x", false).renderLevel(Level.WARN.toInt())).isEqualTo("WARN");
    }

    @Test
    void underTheJournalLinesStartWithTheirPriority() {
        var p = AgentLogs.properties(Map.of("JOURNAL_STREAM", "8:12345"));
        assertThat(p).containsEntry("org.slf4j.simpleLogger.showDateTime", "false")
                .containsEntry("org.slf4j.simpleLogger.showThreadName", "false");
        var logger = new AgentLogs.JournalLogger("x", true);
        assertThat(logger.renderLevel(Level.ERROR.toInt())).isEqualTo("<3>ERROR");
        assertThat(logger.renderLevel(Level.WARN.toInt())).isEqualTo("<4>WARN");
        assertThat(logger.renderLevel(Level.INFO.toInt())).isEqualTo("<6>INFO");
    }
}
