package network.noderr.controlplane.nodes;

/** Where a node's private key lives. */
public enum KeyType {
    /** Inside a TPM 2.0; cannot be copied off the machine. */
    TPM2,
    /** A key file on disk (mode 0600, owned by the agent's user). */
    SOFTWARE
}
