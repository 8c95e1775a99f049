package network.noderr.controlplane.beacon;

import java.math.BigInteger;
import java.util.HexFormat;
import network.noderr.controlplane.shared.Tier;
import org.web3j.utils.Numeric;

/** Mapping between the control plane's values and the contract's: tier indexes, digests and hashes as bytes32. */
final class BeaconTiers {

    private static final Tier[] BY_INDEX = {Tier.ALL, Tier.ORACLE, Tier.GUARDIAN};

    private BeaconTiers() {}

    /** The contract's tier index: 0 = ALL, 1 = ORACLE, 2 = GUARDIAN (fixed by the deployed contract). */
    static BigInteger index(Tier tier) {
        return BigInteger.valueOf(switch (tier) {
            case ALL -> 0;
            case ORACLE -> 1;
            case GUARDIAN -> 2;
        });
    }

    static Tier tier(int index) {
        if (index < 0 || index >= BY_INDEX.length) {
            throw new IllegalArgumentException("unknown tier index " + index);
        }
        return BY_INDEX[index];
    }

    /** {@code sha256:<64 hex>} → bytes32. */
    static byte[] digestBytes(String digest) {
        return HexFormat.of().parseHex(digest.substring("sha256:".length()));
    }

    static String digestString(byte[] bytes32) {
        return "sha256:" + HexFormat.of().formatHex(bytes32);
    }

    /** {@code 0x<64 hex>} → bytes32. */
    static byte[] hashBytes(String hash) {
        return Numeric.hexStringToByteArray(hash);
    }

    static String hashString(byte[] bytes32) {
        return Numeric.toHexString(bytes32);
    }
}
