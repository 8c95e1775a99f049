package network.noderr.controlplane.beacon;

import network.noderr.controlplane.shared.ProblemException;

/** The contract refused a call; the message is the decoded custom error (see {@link BeaconErrors}). */
class ChainRevertException extends ProblemException {

    private final String errorName;

    ChainRevertException(BeaconErrors.Decoded error) {
        super(409, "chain-refused", "Refused by the VersionBeacon", error.message());
        this.errorName = error.name();
    }

    /** The contract's error name, e.g. {@code NotAnEarlierVersion}. */
    String errorName() {
        return errorName;
    }
}
