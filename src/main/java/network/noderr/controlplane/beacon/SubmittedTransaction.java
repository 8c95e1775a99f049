package network.noderr.controlplane.beacon;

import java.util.UUID;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** A write sent to the chain. */
public record SubmittedTransaction(@NonNull UUID transactionId, @NonNull String status, @Nullable String txHash,
        @NonNull Tier tier, @Nullable String versionString) {}
