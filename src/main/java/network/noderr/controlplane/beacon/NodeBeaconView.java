package network.noderr.controlplane.beacon;

import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * Where a node reads the VersionBeacon ({@code GET /api/v1/beacon}): agents that have no {@code beacon-address} /
 * {@code beacon-rpc-url} of their own use this to check image digests against the chain.
 *
 * @param rpcUrl null when the control plane's RPC URL carries credentials and no node RPC URL is configured
 */
public record NodeBeaconView(long chainId, @NonNull String contractAddress, @Nullable String rpcUrl) {}
