package network.noderr.controlplane.shared;

/**
 * The three node tiers (DESIGN §1). Each has its own image, releases and rollouts, and its own hardware minimums:
 * the installers hold the same table (install.sh {@code tier_minimums}, install.ps1 {@code $Minimums}), and a test
 * keeps the three equal.
 */
public enum Tier {
    /** Base participation. */
    ALL(new HardwareMinimums(2, 4, 20, 10)),
    /** Adds ML and research packages. */
    ORACLE(new HardwareMinimums(4, 8, 50, 25)),
    /** Adds risk, execution and safety control. */
    GUARDIAN(new HardwareMinimums(8, 16, 100, 50));

    private final HardwareMinimums minimums;

    Tier(HardwareMinimums minimums) {
        this.minimums = minimums;
    }

    /** The least hardware a node of this tier needs. */
    public HardwareMinimums minimums() {
        return minimums;
    }
}
