package network.noderr.controlplane.shared;

/** A resource that the tier minimums name; the constants are the hardware fields of the node API. */
public enum HardwareResource {
    CPU_CORES("CPU cores"),
    MEMORY_GB("GB memory"),
    DISK_GB("GB disk"),
    NETWORK_MBPS("Mbps network");

    private final String unit;

    HardwareResource(String unit) {
        this.unit = unit;
    }

    /** What follows an amount of it ("4 of 16 GB memory"). */
    public String unit() {
        return unit;
    }
}
