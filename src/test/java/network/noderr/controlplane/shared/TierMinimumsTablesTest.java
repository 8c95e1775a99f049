package network.noderr.controlplane.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The installers check a machine before it registers, and each node image reports whether its host meets its tier;
 * their tables of tier minimums must be the control plane's ({@link Tier#minimums()}), or an installer passes a
 * machine that the dashboard then reports below its tier.
 */
class TierMinimumsTablesTest {

    /** install.sh: {@code tier_minimums() { ... case ... TIER) echo "cpu mem disk net" ;; ... }}. */
    private static final Pattern SH_FUNCTION = Pattern.compile("(?s)\\ntier_minimums\\(\\) \\{.*?\\n}\\n");
    private static final Pattern SH_ROW = Pattern.compile("(\\w+)\\) echo \"(\\d+) (\\d+) (\\d+) (\\d+)\"");

    /** install.ps1: {@code $Minimums = @{ TIER = @{ Cpu = n; MemGb = n; DiskGb = n; NetMbps = n } ... }}. */
    private static final Pattern PS_TABLE = Pattern.compile("(?s)\\n\\$Minimums = @\\{\\s*\\n(.*?)\\n}\\s*\\n");
    private static final Pattern PS_ROW = Pattern.compile(
            "(\\w+)\\s*=\\s*@\\{\\s*Cpu\\s*=\\s*(\\d+);\\s*MemGb\\s*=\\s*(\\d+);\\s*DiskGb\\s*=\\s*(\\d+);"
                    + "\\s*NetMbps\\s*=\\s*(\\d+)\\s*}");

    /** docker/node/Dockerfile: {@code RUN /opt/noderr/bin/noderr-node configure TIER "$PACKAGES_…" cpu mem disk net gpu}. */
    private static final Pattern IMAGE_ROWS = Pattern.compile("(?s)\\A.*\\z");
    private static final Pattern IMAGE_ROW = Pattern.compile(
            "noderr-node configure (\\w+) \"\\$PACKAGES_\\w+\" (\\d+) (\\d+) (\\d+) (\\d+) ");

    @Test
    void nodeImagesReportAgainstTheControlPlanesMinimums() throws IOException {
        assertThat(table(Path.of("docker/node/Dockerfile"), IMAGE_ROWS, IMAGE_ROW)).isEqualTo(controlPlane());
    }

    @Test
    void installShChecksTheControlPlanesMinimums() throws IOException {
        assertThat(table(Path.of("installers/install.sh"), SH_FUNCTION, SH_ROW)).isEqualTo(controlPlane());
    }

    @Test
    void installPs1ChecksTheControlPlanesMinimums() throws IOException {
        assertThat(table(Path.of("installers/install.ps1"), PS_TABLE, PS_ROW)).isEqualTo(controlPlane());
    }

    private static Map<String, HardwareMinimums> controlPlane() {
        var table = new LinkedHashMap<String, HardwareMinimums>();
        Arrays.stream(Tier.values()).forEach(t -> table.put(t.name(), t.minimums()));
        return table;
    }

    private static Map<String, HardwareMinimums> table(Path script, Pattern block, Pattern row) throws IOException {
        var text = Files.readString(script).replace("\r\n", "\n");
        var found = block.matcher(text);
        assertThat(found.find()).as("the minimums table in %s", script).isTrue();
        var rows = row.matcher(found.group());
        assertThat(found.find()).as("one minimums table in %s", script).isFalse();
        var table = new LinkedHashMap<String, HardwareMinimums>();
        while (rows.find()) {
            var previous = table.put(rows.group(1), new HardwareMinimums(Integer.parseInt(rows.group(2)),
                    Integer.parseInt(rows.group(3)), Integer.parseInt(rows.group(4)),
                    Integer.parseInt(rows.group(5))));
            assertThat(previous).as("tier %s twice in %s", rows.group(1), script).isNull();
        }
        return table;
    }
}
