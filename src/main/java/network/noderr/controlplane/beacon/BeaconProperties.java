package network.noderr.controlplane.beacon;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the VersionBeacon lives and how the control plane talks to it (docs/configuration.md).
 *
 * @param rpcUrl JSON-RPC endpoint; empty = start the embedded local chain ({@link Embedded})
 * @param chainId expected chain id; 0 = take the node's. A mismatch stops the start (a wrong network is never used)
 * @param contractAddress the deployed VersionBeacon (required with an RPC URL)
 * @param keystorePath encrypted JSON keystore (web3j/geth format) of the account that signs transactions
 * @param keystorePassword its password, from a secret or env; never logged
 * @param startBlock first block to index (the contract's deployment block) when no cursor is stored yet
 * @param confirmations blocks an event must be buried under before it is indexed
 * @param pollInterval how often the indexer and the transaction tracker run
 * @param transactionTimeout a sent transaction not mined within this is marked failed
 * @param maxBlocksPerPoll the indexer's largest block range per step
 * @param nodeRpcUrl the RPC URL nodes are told to read the VersionBeacon from ({@code GET /api/v1/beacon}); empty =
 *     the control plane's own when it carries no credentials, path or query, otherwise none (agents then need
 *     their own {@code beacon-rpc-url})
 */
@Validated
@ConfigurationProperties("noderr.beacon")
public record BeaconProperties(
        @DefaultValue("") String rpcUrl,
        @DefaultValue("0") @Min(0) long chainId,
        @DefaultValue("") String contractAddress,
        @DefaultValue("") String keystorePath,
        @DefaultValue("") String keystorePassword,
        @DefaultValue("0") @Min(0) long startBlock,
        @DefaultValue("2") @Min(0) @Max(1000) int confirmations,
        @DefaultValue("2s") @NotNull Duration pollInterval,
        @DefaultValue("2m") @NotNull Duration transactionTimeout,
        @DefaultValue("2000") @Min(1) @Max(100_000) int maxBlocksPerPoll,
        @DefaultValue("") String nodeRpcUrl,
        @Valid @NotNull @DefaultValue Embedded embedded) {

    /**
     * The local chain started when no RPC URL is configured.
     *
     * @param dataDirectory chain state, signing keystore and the deployed address, kept between runs
     * @param anvil the anvil binary (from the contracts' npm dependencies)
     * @param port its JSON-RPC port on 127.0.0.1
     */
    public record Embedded(
            @DefaultValue("data/chain") @NotNull Path dataDirectory,
            @DefaultValue("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil") @NotNull Path anvil,
            @DefaultValue("8545") @Min(1) @Max(65535) int port) {}

    boolean embeddedChain() {
        return rpcUrl.isBlank();
    }

    /** Never shows the keystore password or the RPC URL's credentials (both may end up in logs). */
    @Override
    public String toString() {
        return "BeaconProperties[rpcUrl=" + (rpcUrl.isBlank() ? "(embedded)" : BeaconChain.redact(rpcUrl))
                + ", chainId=" + chainId + ", contractAddress=" + contractAddress + ", keystorePath=" + keystorePath
                + ", keystorePassword=" + (keystorePassword.isEmpty() ? "(none)" : "(set)") + ", startBlock="
                + startBlock + ", confirmations=" + confirmations + "]";
    }
}
