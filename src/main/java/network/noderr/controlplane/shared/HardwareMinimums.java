package network.noderr.controlplane.shared;

/** The least hardware a node of a tier needs: CPU cores, memory, free disk and network bandwidth. */
public record HardwareMinimums(int cpuCores, int memoryGb, int diskGb, int networkMbps) {

    /** The minimum of one resource. */
    public int of(HardwareResource resource) {
        return switch (resource) {
            case CPU_CORES -> cpuCores;
            case MEMORY_GB -> memoryGb;
            case DISK_GB -> diskGb;
            case NETWORK_MBPS -> networkMbps;
        };
    }
}
