package network.noderr.controlplane.beacon;

import network.noderr.controlplane.shared.ProblemException;

/** The chain's RPC cannot be reached (or answers garbage): nothing was sent. */
class ChainUnavailableException extends ProblemException {

    ChainUnavailableException(String rpc, Throwable cause) {
        super(503, "chain-unavailable", "Chain unavailable", "The chain RPC (" + rpc + ") cannot be reached ("
                + cause.getClass().getSimpleName() + "), so nothing was sent. Try again when GET /api/v1/admin/beacon "
                + "shows status ok.");
        initCause(cause);
    }
}
