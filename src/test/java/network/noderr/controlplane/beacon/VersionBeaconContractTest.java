package network.noderr.controlplane.beacon;

import static network.noderr.controlplane.beacon.TestBeacons.digest;
import static network.noderr.controlplane.beacon.TestBeacons.n;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import network.noderr.controlplane.TestChain;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.RawTransactionManager;

/**
 * VersionBeacon on a real EVM (anvil): each test gets a fresh deployment. Refusals are checked the way the control
 * plane meets them: {@link BeaconChain#send} simulates the call first and decodes the custom error into a message.
 */
class VersionBeaconContractTest {

    private static final byte[] CONFIG = digest(99);

    private static Web3j web3j;
    private VersionBeacon beacon;
    private BeaconChain chain;

    @BeforeAll
    static void connect() {
        web3j = TestBeacons.web3j();
    }

    @AfterAll
    static void disconnect() {
        web3j.shutdown();
    }

    @BeforeEach
    void deploy() throws Exception {
        beacon = TestBeacons.deploy(web3j);
        chain = BeaconChain.connect(TestChain.settings().rpcUrl(), 31337, beacon.getContractAddress(),
                TestBeacons.deployer());
    }

    @Test
    void publishesVersionsPerTierAndEmitsEvents() throws Exception {
        var first = publish(Tier.ORACLE, "1.0.0", 1);
        var second = publish(Tier.ORACLE, "1.1.0", 2);
        publish(Tier.GUARDIAN, "7.0.0", 3);

        var events = VersionBeacon.getVersionPublishedEvents(second);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.tier).isEqualTo(n(1));
            assertThat(e.versionId).isEqualTo(n(2));
            assertThat(e.versionString).isEqualTo("1.1.0");
            assertThat(e.imageRef).isEqualTo("registry.noderr.network/oracle:1.1.0");
            assertThat(e.imageDigest).isEqualTo(digest(2));
            assertThat(e.publisher).isEqualToIgnoringCase(TestBeacons.deployer().getAddress());
        });
        assertThat(VersionBeacon.getVersionPublishedEvents(first).get(0).versionId).isEqualTo(BigInteger.ONE);

        var current = beacon.currentVersion(n(1)).send();
        assertThat(current.versionId).isEqualTo(n(2));
        assertThat(current.versionString).isEqualTo("1.1.0");
        assertThat(current.imageDigest).isEqualTo(digest(2));
        assertThat(current.configHash).isEqualTo(CONFIG);
        assertThat(beacon.getVersion(n(1), n(1)).send().versionString).isEqualTo("1.0.0");
        assertThat(beacon.versionCount(n(1)).send()).isEqualTo(n(2));
        assertThat(beacon.versionIdOf(n(1), "1.0.0").send()).isEqualTo(n(1));
        assertThat(beacon.versionIdOf(n(1), "7.0.0").send()).isZero();
        assertThat(beacon.imageDigestOf(n(1), "1.0.0").send()).as("what node agents check").isEqualTo(digest(1));
        assertThat(beacon.imageDigestOf(n(1), "7.0.0").send()).isEqualTo(new byte[32]);
        assertThat(beacon.currentVersionId(n(2)).send()).isEqualTo(BigInteger.ONE);
        assertThat(beacon.currentVersionId(n(0)).send()).isZero();
    }

    @Test
    void refusesBadPublishesWithDecodedErrors() throws Exception {
        publish(Tier.ORACLE, "1.0.0", 1);

        assertRefused(beacon.publishVersion(n(1), "1.0.0", "img", digest(5), CONFIG), "VersionAlreadyPublished",
                "ORACLE already has version 1.0.0 on-chain");
        assertRefused(beacon.publishVersion(n(1), "", "img", digest(5), CONFIG), "InvalidVersionString",
                "1-50 characters");
        assertRefused(beacon.publishVersion(n(1), "2.0.0", "", digest(5), CONFIG), "InvalidImageRef", "1-512");
        assertRefused(beacon.publishVersion(n(1), "2.0.0", "img", new byte[32], CONFIG), "EmptyImageDigest",
                "must not be zero");
        assertRefused(beacon.publishVersion(n(3), "2.0.0", "img", digest(5), CONFIG), "UnknownTier",
                "Tier 3 does not exist");
        assertRefused(beacon.currentVersion(n(0)), "NoCurrentVersion", "ALL has no published version");
    }

    @ParameterizedTest(name = "canary {0} %, cohort {1} %, delay {2} h → accepted: {3}")
    @CsvSource({
        "5, 25, 24, true",
        "1, 1, 1, true",
        "10, 30, 24, true",
        "50, 16, 720, true",
        "0, 25, 24, false",
        "51, 10, 24, false",
        "5, 0, 24, false",
        "10, 31, 24, false",
        "5, 25, 0, false",
        "5, 25, 721, false",
    })
    void boundsTheRolloutConfig(int canary, int cohort, int delay, boolean accepted) throws Exception {
        var call = beacon.setRolloutConfig(n(2), n(canary), n(cohort), n(delay));
        if (accepted) {
            var receipt = call.send();
            assertThat(VersionBeacon.getRolloutConfigUpdatedEvents(receipt)).singleElement()
                    .satisfies(e -> assertThat(e.cohortDelayHours).isEqualTo(n(delay)));
            var config = beacon.getRolloutConfig(n(2)).send();
            assertThat(config.canaryPercentage).isEqualTo(n(canary));
            assertThat(config.cohortPercentage).isEqualTo(n(cohort));
            assertThat(config.cohortDelayHours).isEqualTo(n(delay));
        } else {
            assertRefused(call, "InvalidRolloutConfig", "out of bounds");
            assertThat(beacon.getRolloutConfig(n(2)).send().canaryPercentage).isEqualTo(n(5));
        }
    }

    @Test
    void everyTierStartsWithTheSeedRolloutConfig() throws Exception {
        for (int tier = 0; tier < 3; tier++) {
            var config = beacon.getRolloutConfig(n(tier)).send();
            assertThat(config.canaryPercentage).isEqualTo(n(5));
            assertThat(config.cohortPercentage).isEqualTo(n(25));
            assertThat(config.cohortDelayHours).isEqualTo(n(24));
        }
    }

    @Test
    void rollsBackOnlyToAnEarlierPublishedVersion() throws Exception {
        assertRefused(beacon.emergencyRollback(n(1), n(1)), "NoCurrentVersion", "ORACLE has no published version");
        publish(Tier.ORACLE, "1.0.0", 1);
        publish(Tier.ORACLE, "1.1.0", 2);
        publish(Tier.ORACLE, "1.2.0", 3);

        assertRefused(beacon.emergencyRollback(n(1), n(3)), "NotAnEarlierVersion", "version id 3 is not earlier");
        assertRefused(beacon.emergencyRollback(n(1), n(0)), "UnknownVersion", "no version with id 0");
        assertRefused(beacon.emergencyRollback(n(1), n(4)), "UnknownVersion", "no version with id 4");

        var receipt = beacon.emergencyRollback(n(1), n(1)).send();
        assertThat(VersionBeacon.getEmergencyRollbackEvents(receipt)).singleElement().satisfies(e -> {
            assertThat(e.fromVersionId).isEqualTo(n(3));
            assertThat(e.toVersionId).isEqualTo(n(1));
        });
        assertThat(beacon.currentVersion(n(1)).send().versionString).isEqualTo("1.0.0");
        // Now 1.1.0 is later than the current version: no "rollback" forward.
        assertRefused(beacon.emergencyRollback(n(1), n(2)), "NotAnEarlierVersion", "current one (id 1)");
    }

    @Test
    void onlyPublishersPublishAndOnlyAdminsConfigure() throws Exception {
        var stranger = TestBeacons.as(beacon, web3j, TestBeacons.STRANGER);
        var strangerChain = BeaconChain.connect(TestChain.settings().rpcUrl(), 31337, beacon.getContractAddress(),
                TestBeacons.STRANGER);
        try {
            assertThatThrownBy(() -> strangerChain.send(
                            stranger.publishVersion(n(1), "1.0.0", "img", digest(1), CONFIG), BeaconChain.PUBLISH_GAS))
                    .isInstanceOfSatisfying(ChainRevertException.class,
                            e -> assertThat(e.errorName()).isEqualTo("AccessControlUnauthorizedAccount"))
                    .hasMessageContaining(TestBeacons.STRANGER.getAddress().substring(2, 10))
                    .hasMessageContaining("lacks the publisher role");
            assertThatThrownBy(() -> strangerChain.send(stranger.setRolloutConfig(n(1), n(5), n(25), n(24)),
                            BeaconChain.SMALL_WRITE_GAS))
                    .hasMessageContaining("lacks the admin role");

            beacon.grantRole(beacon.PUBLISHER_ROLE().send(), TestBeacons.STRANGER.getAddress()).send();
            awaitReceipt(strangerChain.send(stranger.publishVersion(n(1), "1.0.0", "img", digest(1), CONFIG),
                    BeaconChain.PUBLISH_GAS));
            assertThat(beacon.versionCount(n(1)).send()).isEqualTo(BigInteger.ONE);
            // A publisher is not an admin.
            assertThatThrownBy(() -> strangerChain.send(stranger.setRolloutConfig(n(1), n(5), n(25), n(24)),
                            BeaconChain.SMALL_WRITE_GAS))
                    .hasMessageContaining("lacks the admin role");
        } finally {
            strangerChain.close();
        }
    }

    @Test
    void explainsWhyAMinedTransactionFailed() throws Exception {
        publish(Tier.ORACLE, "1.0.0", 1);
        // Sent without the simulation, with a fixed gas limit: the chain mines it and it reverts (status 0x0).
        var raw = new RawTransactionManager(web3j, TestBeacons.deployer(), 31337);
        var data = beacon.emergencyRollback(n(1), n(1)).encodeFunctionCall();
        var hash = raw.sendTransaction(web3j.ethGasPrice().send().getGasPrice(), BigInteger.valueOf(200_000),
                beacon.getContractAddress(), data, BigInteger.ZERO).getTransactionHash();
        var receipt = awaitReceipt(hash);

        assertThat(receipt.isStatusOK()).isFalse();
        var failure = chain.failureOf(receipt);
        assertThat(failure.name()).isEqualTo("NotAnEarlierVersion");
        assertThat(failure.message()).contains("ORACLE can only be rolled back to a version published before");
    }

    private TransactionReceipt awaitReceipt(String hash) {
        return org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt(),
                        java.util.Optional::isPresent)
                .orElseThrow();
    }

    private TransactionReceipt publish(Tier tier, String version, int seed) throws Exception {
        return beacon.publishVersion(BeaconTiers.index(tier), version,
                "registry.noderr.network/" + tier.name().toLowerCase(java.util.Locale.ROOT) + ":" + version,
                digest(seed), CONFIG).send();
    }

    private void assertRefused(RemoteFunctionCall<?> call, String errorName, String message) {
        @SuppressWarnings("unchecked")
        var write = (RemoteFunctionCall<TransactionReceipt>) call;
        assertThatThrownBy(() -> chain.send(write, BeaconChain.PUBLISH_GAS))
                .isInstanceOfSatisfying(ChainRevertException.class,
                        e -> assertThat(e.errorName()).as(e.getMessage()).isEqualTo(errorName))
                .hasMessageContaining(message);
    }
}
