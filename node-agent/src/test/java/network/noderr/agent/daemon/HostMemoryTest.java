package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** A health report's memory is what programs hold: the page cache a busy node fills is not "in use". */
class HostMemoryTest {

    /** A node whose chain data filled the page cache: 1 GB free, 20 GB available of 24 GB. */
    private static final String CACHED = """
            MemTotal:       24000000 kB
            MemFree:         1000000 kB
            MemAvailable:   20000000 kB
            Buffers:          400000 kB
            Cached:         18000000 kB
            """;

    @Test
    void thePageCacheIsNotMemoryInUse() {
        assertThat(HostMemory.fromMeminfo(CACHED)).hasValueCloseTo(100.0 * 4 / 24, within(1e-9));
    }

    @Test
    void withoutMemAvailableOrATotalThereIsNoFigure() {
        assertThat(HostMemory.fromMeminfo("MemTotal: 1000 kB\nMemFree: 10 kB\n")).isEmpty(); // kernel < 3.14
        assertThat(HostMemory.fromMeminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n")).isEmpty();
        assertThat(HostMemory.fromMeminfo("MemTotal: x kB\nMemAvailable: 10 kB\n")).isEmpty();
        assertThat(HostMemory.fromMeminfo("")).isEmpty();
    }

    @Test
    void neverBelowZeroOrAboveAHundred() {
        assertThat(HostMemory.fromMeminfo("MemTotal: 1000 kB\nMemAvailable: 2000 kB\n")).hasValue(0.0);
        assertThat(HostMemory.fromMeminfo("MemTotal: 1000 kB\nMemAvailable: 0 kB\n")).hasValue(100.0);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void onLinuxItIsThisHostsMemTotalLessMemAvailable() throws Exception {
        var before = HostMemory.fromMeminfo(Files.readString(Path.of("/proc/meminfo"))).orElseThrow();
        var reported = HostMemory.percentUsed();
        var after = HostMemory.fromMeminfo(Files.readString(Path.of("/proc/meminfo"))).orElseThrow();
        assertThat(reported).isBetween(Math.min(before, after) - 1, Math.max(before, after) + 1);
    }
}
