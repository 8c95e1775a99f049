package network.noderr.controlplane.shared;

/** The three node tiers (DESIGN §1). Each has its own image, releases and rollouts. */
public enum Tier {
    /** Base participation. */
    ALL,
    /** Adds ML and research packages. */
    ORACLE,
    /** Adds risk, execution and safety control. */
    GUARDIAN
}
