package network.noderr.controlplane.applications;

/** Where an application stands. Only a PENDING application can be decided. */
public enum ApplicationStatus {
    PENDING,
    APPROVED,
    REJECTED
}
