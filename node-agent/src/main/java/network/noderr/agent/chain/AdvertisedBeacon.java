package network.noderr.agent.chain;

import java.io.IOException;
import java.util.Optional;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.update.OnChainRelease;
import network.noderr.agent.update.OnChainReleases;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VersionBeacon the control plane advertises ({@code GET /api/v1/beacon}), for agents configured without
 * {@code beacon-address} and {@code beacon-rpc-url}. Asked once, on the first verification, then kept. Pinning the
 * address in the configuration is stronger (a control plane that lies about versions could lie about the contract
 * too); docs/agent.md says when to do it.
 */
public final class AdvertisedBeacon implements OnChainReleases {

    private static final Logger log = LoggerFactory.getLogger(AdvertisedBeacon.class);

    private final ControlPlane controlPlane;
    private @Nullable BeaconRecord record;

    public AdvertisedBeacon(ControlPlane controlPlane) {
        this.controlPlane = controlPlane;
    }

    @Override
    public Optional<OnChainRelease> release(String tier, String versionString) throws IOException {
        return record().release(tier, versionString);
    }

    @Override
    public long currentVersionId(String tier) throws IOException {
        return record().currentVersionId(tier);
    }

    @Override
    public java.util.List<network.noderr.agent.update.OnChainRollback> rollbacksPast(String tier, long versionId)
            throws IOException {
        return record().rollbacksPast(tier, versionId);
    }

    /** The beacon the control plane advertises, asked for once. */
    private synchronized BeaconRecord record() throws IOException {
        if (record == null) {
            var info = controlPlane.beacon();
            if (info.rpcUrl() == null) {
                throw new IOException("the control plane advertises the VersionBeacon " + info.contractAddress()
                        + " but no RPC URL for nodes: set beacon-rpc-url and beacon-address in agent.properties");
            }
            if (!info.contractAddress().matches("0x[0-9a-fA-F]{40}")) {
                throw new IOException("the control plane advertises no usable VersionBeacon address");
            }
            log.info("Checking images against the VersionBeacon {} on chain {} via {} (from the control plane; pin "
                    + "them with beacon-address and beacon-rpc-url)", info.contractAddress(), info.chainId(),
                    info.rpcUrl());
            record = new BeaconRecord(info.rpcUrl(), info.contractAddress());
        }
        return record;
    }
}
