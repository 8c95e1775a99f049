package network.noderr.controlplane.beacon;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * The chain as this replica sees it. {@code status}: ok, stale (the RPC cannot be reached since
 * {@code staleSince}; reads come from the mirror) or starting.
 */
public record BeaconStatusView(
        long chainId,
        @NonNull String rpcUrl,
        @NonNull String contractAddress,
        @NonNull String signer,
        boolean embedded,
        long lastIndexedBlock,
        long headBlock,
        int confirmations,
        @NonNull String status,
        @Nullable Instant staleSince,
        @Nullable String lastError,
        @NonNull List<@NonNull TierView> tiers) {}
