package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** What register writes to agent.properties reads back as exactly what the control plane said, one setting each. */
class RegisterConfigLineTest {

    @Test
    void aLineBreakInAValueCannotAddASetting() throws Exception {
        var hostile = "node-1\nsign-command=/tmp/evil\r\nauto-update=true\u0000 \\ end";
        var props = new Properties();
        props.load(new StringReader(RegisterCommand.line("node-id", hostile) + RegisterCommand.line("tier", "ORACLE")));

        assertThat(props.stringPropertyNames()).containsExactlyInAnyOrder("node-id", "tier");
        assertThat(props.getProperty("node-id")).isEqualTo(hostile);
        assertThat(props.getProperty("tier")).isEqualTo("ORACLE");
    }

    @Test
    void ordinaryValuesStayReadable() {
        assertThat(RegisterCommand.line("beacon-rpc-url", "http://127.0.0.1:8545"))
                .isEqualTo("beacon-rpc-url=http://127.0.0.1:8545\n");
        assertThat(RegisterCommand.line("key-path", " C:\\noderr\\key")).isEqualTo("key-path=\\u0020C:\\\\noderr\\\\key\n");
    }
}
