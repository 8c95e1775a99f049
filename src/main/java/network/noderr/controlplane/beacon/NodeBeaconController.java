package network.noderr.controlplane.beacon;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The node API's view of the VersionBeacon (DESIGN §3): which chain and contract the agent checks digests on. */
@RestController
class NodeBeaconController {

    private final BeaconConnection connection;

    NodeBeaconController(BeaconConnection connection) {
        this.connection = connection;
    }

    @GetMapping("/api/v1/beacon")
    NodeBeaconView beacon() {
        var chain = connection.chain();
        return new NodeBeaconView(chain.chainId(), chain.contractAddress(), connection.nodeRpcUrl());
    }
}
