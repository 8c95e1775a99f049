package network.noderr.controlplane.shared;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * Declared or reported hardware checked against a tier's minimums. A value that is absent or 0 was not measured
 * (the installers send {@code networkMbps} 0: they do not measure the network); it is listed in {@code notMeasured}
 * and never counts as a shortfall, because the admin cannot tell whether it is one.
 *
 * @param shortfalls the known resources below the tier's minimums, in the order of the minimums table; empty when
 *     the hardware meets them (as far as it was measured)
 * @param notMeasured the resources whose value is unknown
 * @param summary for people, e.g. "Below the GUARDIAN minimums: 2 of 8 CPU cores, 4 of 16 GB memory"; null without
 *     shortfalls
 */
public record HardwareCheck(
        @NonNull Tier tier,
        @NonNull List<@NonNull HardwareShortfall> shortfalls,
        @NonNull List<@NonNull HardwareResource> notMeasured,
        @Nullable String summary) {

    public HardwareCheck {
        shortfalls = List.copyOf(shortfalls);
        notMeasured = List.copyOf(notMeasured);
    }

    /** Checks hardware against {@code tier}'s minimums; each value may be null or 0 when it was not measured. */
    public static HardwareCheck of(Tier tier, @Nullable Integer cpuCores, @Nullable Integer memoryGb,
            @Nullable Integer diskGb, @Nullable Integer networkMbps) {
        var shortfalls = new ArrayList<HardwareShortfall>();
        var notMeasured = new ArrayList<HardwareResource>();
        for (var resource : HardwareResource.values()) {
            var value = switch (resource) {
                case CPU_CORES -> cpuCores;
                case MEMORY_GB -> memoryGb;
                case DISK_GB -> diskGb;
                case NETWORK_MBPS -> networkMbps;
            };
            var needed = tier.minimums().of(resource);
            if (value == null || value <= 0) {
                notMeasured.add(resource);
            } else if (value < needed) {
                shortfalls.add(new HardwareShortfall(resource, value, needed));
            }
        }
        String summary = shortfalls.isEmpty() ? null : "Below the " + tier + " minimums: " + shortfalls.stream()
                .map(s -> s.found() + " of " + s.needed() + " " + s.resource().unit())
                .collect(Collectors.joining(", "));
        return new HardwareCheck(tier, shortfalls, notMeasured, summary);
    }
}
