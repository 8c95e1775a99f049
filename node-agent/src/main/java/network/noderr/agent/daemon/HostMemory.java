package network.noderr.agent.daemon;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * The host's memory in use, in percent, as a health report states it: what programs hold, not the page cache and
 * reclaimable buffers the kernel hands back on demand. On Linux that is {@code MemTotal - MemAvailable} from
 * {@code /proc/meminfo}; the JDK's free memory there is {@code MemFree}, which a node that reads much chain data from
 * disk fills with cache, so a healthy node would read 95 % or more, unhealthy to the control plane. Elsewhere (or on a
 * kernel older than 3.14, without {@code MemAvailable}) the JDK's figure, which on Windows is the available memory.
 */
final class HostMemory {

    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private HostMemory() {}

    static double percentUsed() {
        if (Files.isReadable(MEMINFO)) {
            try {
                var used = fromMeminfo(Files.readString(MEMINFO));
                if (used.isPresent()) {
                    return used.getAsDouble();
                }
            } catch (IOException | RuntimeException e) {
                // the JDK's figure below
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() == 0 ? 0
                : 100.0 * (os.getTotalMemorySize() - os.getFreeMemorySize()) / os.getTotalMemorySize();
    }

    /** {@code 100 × (MemTotal − MemAvailable) / MemTotal}; empty when either line is missing or the total is 0. */
    static OptionalDouble fromMeminfo(String meminfo) {
        long total = -1;
        long available = -1;
        for (var line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                total = kilobytes(line);
            } else if (line.startsWith("MemAvailable:")) {
                available = kilobytes(line);
            }
        }
        if (total <= 0 || available < 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(100.0 * Math.max(0, total - Math.min(available, total)) / total);
    }

    /** The number of a line such as {@code "MemAvailable:   20208652 kB"}; -1 when it has none. */
    private static long kilobytes(String line) {
        var fields = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        try {
            return Long.parseLong(fields[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
