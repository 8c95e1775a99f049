package network.noderr.controlplane.beacon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.WalletUtils;

/** The zero-configuration chain: deployed once, remembered across restarts, redeployed only when the state is gone. */
class EmbeddedChainTest {

    @Test
    void remembersTheContractAcrossRestartsAndRedeploysOnlyWhenTheChainStateIsGone(@TempDir Path dir)
            throws Exception {
        String address;
        String signer;
        try (var chain = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            address = chain.settings().contractAddress();
            signer = signer(chain);
            assertThat(Files.readString(dir.resolve("keystore.password"))).doesNotContain(signer.substring(2));
            assertThat(Files.getPosixFilePermissions(dir.resolve("keystore.password")))
                    .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        }
        assertThat(dir.resolve("anvil-state.json")).exists();

        try (var again = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            assertThat(again.settings().contractAddress()).as("not redeployed").isEqualTo(address);
            assertThat(signer(again)).as("same signing account").isEqualTo(signer);
        }

        Files.delete(dir.resolve("anvil-state.json"));
        try (var fresh = EmbeddedChain.start(TestChain.ANVIL, dir, 0)) {
            // A new chain: the same deployer at nonce 0 lands at the same address, so check the code is there again.
            var beacon = BeaconChain.connect(fresh.settings().rpcUrl(), 31337, fresh.settings().contractAddress(),
                    WalletUtils.loadCredentials(fresh.settings().keystorePassword(),
                            fresh.settings().keystore().toFile()));
            try {
                java.math.BigInteger versions = beacon.read(c -> c.versionCount(BeaconTiers.index(Tier.ALL)));
                assertThat(versions).isZero();
                assertThat(beacon.headBlock()).as("a fresh chain, with only the deployment").isEqualTo(1);
            } finally {
                beacon.close();
            }
        }
    }

    private static String signer(EmbeddedChain chain) throws Exception {
        return WalletUtils.loadCredentials(chain.settings().keystorePassword(), chain.settings().keystore().toFile())
                .getAddress();
    }
}
