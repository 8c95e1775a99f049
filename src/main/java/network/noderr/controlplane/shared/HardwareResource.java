package network.noderr.controlplane.shared;

/** A resource that the tier minimums name; the constants are the hardware fields of the node API. */
public enum HardwareResource {
    CPU_CORES("CPU cores", "CPU cores"),
    MEMORY_GB("memory", "GB memory"),
    DISK_GB("disk", "GB disk"),
    NETWORK_MBPS("network", "Mbps network");

    private final String label;
    private final String unit;

    HardwareResource(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    /** What a person calls the resource ("memory"). */
    public String label() {
        return label;
    }

    /** What follows an amount of it ("GB memory"). */
    public String unit() {
        return unit;
    }
}
