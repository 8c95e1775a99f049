package network.noderr.controlplane.shared;

import static network.noderr.controlplane.shared.HardwareResource.CPU_CORES;
import static network.noderr.controlplane.shared.HardwareResource.DISK_GB;
import static network.noderr.controlplane.shared.HardwareResource.MEMORY_GB;
import static network.noderr.controlplane.shared.HardwareResource.NETWORK_MBPS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HardwareCheckTest {

    @Test
    void minimumsAreTheDesignTable() {
        assertThat(Tier.ALL.minimums()).isEqualTo(new HardwareMinimums(2, 4, 20, 10));
        assertThat(Tier.ORACLE.minimums()).isEqualTo(new HardwareMinimums(4, 8, 50, 25));
        assertThat(Tier.GUARDIAN.minimums()).isEqualTo(new HardwareMinimums(8, 16, 100, 50));
    }

    @Test
    void namesEachResourceBelowTheTierMinimumWithFoundAndNeeded() {
        var check = HardwareCheck.of(Tier.GUARDIAN, 2, 4, 200, 100);
        assertThat(check.shortfalls()).containsExactly(
                new HardwareShortfall(CPU_CORES, 2, 8), new HardwareShortfall(MEMORY_GB, 4, 16));
        assertThat(check.notMeasured()).isEmpty();
        assertThat(check.summary()).isEqualTo("Below the GUARDIAN minimums: 2 of 8 CPU cores, 4 of 16 GB memory");
    }

    @ParameterizedTest(name = "{0}: {1} cores, {2} GB, {3} GB disk, {4} Mbps -> {5}")
    @CsvSource(delimiter = '|', textBlock = """
            ALL      | 2 | 4  | 20  | 10 | ''
            ALL      | 1 | 4  | 20  | 10 | CPU_CORES
            ORACLE   | 4 | 8  | 50  | 25 | ''
            ORACLE   | 4 | 7  | 49  | 25 | MEMORY_GB DISK_GB
            ORACLE   | 4 | 8  | 50  | 24 | NETWORK_MBPS
            GUARDIAN | 8 | 16 | 100 | 50 | ''
            GUARDIAN | 4 | 8  | 50  | 25 | CPU_CORES MEMORY_GB DISK_GB NETWORK_MBPS
            GUARDIAN | 64| 512| 9000| 10000 | ''
            """)
    void shortfallsAreExactlyTheResourcesBelowTheMinimum(Tier tier, int cpu, int mem, int disk, int net,
            String expected) {
        var check = HardwareCheck.of(tier, cpu, mem, disk, net);
        var resources = check.shortfalls().stream().map(HardwareShortfall::resource).toList();
        assertThat(resources).containsExactlyElementsOf(
                expected.isBlank() ? List.of() : List.of(expected.split(" ")).stream()
                        .map(HardwareResource::valueOf).toList());
        assertThat(check.summary() == null).isEqualTo(expected.isBlank());
    }

    @Test
    void absentOrZeroValuesAreNotMeasuredAndNeverAShortfall() {
        // The installers send networkMbps 0: they do not measure the network.
        var installer = HardwareCheck.of(Tier.GUARDIAN, 16, 32, 500, 0);
        assertThat(installer.shortfalls()).isEmpty();
        assertThat(installer.notMeasured()).containsExactly(NETWORK_MBPS);
        assertThat(installer.summary()).isNull();

        var unknown = HardwareCheck.of(Tier.ORACLE, null, 2, null, null);
        assertThat(unknown.shortfalls()).containsExactly(new HardwareShortfall(MEMORY_GB, 2, 8));
        assertThat(unknown.notMeasured()).containsExactly(CPU_CORES, DISK_GB, NETWORK_MBPS);
        assertThat(unknown.summary()).isEqualTo("Below the ORACLE minimums: 2 of 8 GB memory");
    }
}
