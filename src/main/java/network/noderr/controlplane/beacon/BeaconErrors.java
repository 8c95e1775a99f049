package network.noderr.controlplane.beacon;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import network.noderr.controlplane.beacon.contract.VersionBeacon;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.web3j.abi.CustomErrorEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.CustomError;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.utils.Numeric;

/**
 * Turns a revert's data into a message a person can act on: the VersionBeacon's custom errors (matched by their
 * 4-byte selector from the generated wrapper), OpenZeppelin's access-control error, and Solidity's
 * {@code Error(string)} and {@code Panic(uint256)}.
 */
final class BeaconErrors {

    /** A decoded revert: the error's name and what it means. */
    record Decoded(String name, String message) {}

    private static final CustomError ERROR_STRING =
            new CustomError("Error", List.of(new TypeReference<Utf8String>() {}));
    private static final CustomError PANIC = new CustomError("Panic", List.of(new TypeReference<Uint256>() {}));

    private static final Map<String, CustomError> BY_SELECTOR = Stream.of(
                    VersionBeacon.UNKNOWNTIER_ERROR,
                    VersionBeacon.INVALIDVERSIONSTRING_ERROR,
                    VersionBeacon.INVALIDIMAGEREF_ERROR,
                    VersionBeacon.EMPTYIMAGEDIGEST_ERROR,
                    VersionBeacon.VERSIONALREADYPUBLISHED_ERROR,
                    VersionBeacon.UNKNOWNVERSION_ERROR,
                    VersionBeacon.NOCURRENTVERSION_ERROR,
                    VersionBeacon.NOTANEARLIERVERSION_ERROR,
                    VersionBeacon.INVALIDROLLOUTCONFIG_ERROR,
                    VersionBeacon.ACCESSCONTROLUNAUTHORIZEDACCOUNT_ERROR,
                    VersionBeacon.ACCESSCONTROLBADCONFIRMATION_ERROR,
                    ERROR_STRING,
                    PANIC)
            .collect(Collectors.toUnmodifiableMap(BeaconErrors::selector, Function.identity()));

    private BeaconErrors() {}

    static String selector(CustomError error) {
        return CustomErrorEncoder.encode(error).substring(0, 10);
    }

    /** Decodes revert data ({@code 0x} + selector + ABI-encoded arguments); unknown data is shown as it is. */
    static Decoded decode(@Nullable String revertData) {
        // web3j hands the JSON-RPC error's data over as JSON text: a hex string in quotes.
        var data = revertData == null ? "" : revertData.replace("\"", "").strip().toLowerCase(java.util.Locale.ROOT);
        if (data.length() < 10 || !data.startsWith("0x")) {
            return new Decoded("Revert", "The VersionBeacon reverted without a reason.");
        }
        var error = BY_SELECTOR.get(data.substring(0, 10));
        if (error == null) {
            return new Decoded("Unknown", "The VersionBeacon reverted with unknown data " + abbreviate(data) + ".");
        }
        List<Type> args;
        try {
            args = FunctionReturnDecoder.decode(data.substring(10), error.getParameters());
        } catch (RuntimeException e) {
            return new Decoded(error.getName(), "The VersionBeacon reverted with " + error.getName()
                    + " and arguments that could not be decoded.");
        }
        return new Decoded(error.getName(), message(error.getName(), args));
    }

    private static String message(String name, List<Type> a) {
        return switch (name) {
            case "UnknownTier" -> "Tier " + a.get(0).getValue() + " does not exist on the VersionBeacon (0 = ALL, "
                    + "1 = ORACLE, 2 = GUARDIAN).";
            case "InvalidVersionString" -> "The version string must be 1-50 characters.";
            case "InvalidImageRef" -> "The image reference must be 1-512 characters.";
            case "EmptyImageDigest" -> "The image digest must not be zero.";
            case "VersionAlreadyPublished" -> tier(a.get(0)) + " already has version " + a.get(1).getValue()
                    + " on-chain. Publish a new version number.";
            case "UnknownVersion" -> tier(a.get(0)) + " has no version with id " + a.get(1).getValue() + " on-chain.";
            case "NoCurrentVersion" -> tier(a.get(0)) + " has no published version on-chain yet.";
            case "NotAnEarlierVersion" -> tier(a.get(0)) + " can only be rolled back to a version published before "
                    + "its current one (id " + a.get(2).getValue() + "); version id " + a.get(1).getValue()
                    + " is not earlier.";
            case "InvalidRolloutConfig" -> "Rollout config canary " + a.get(0).getValue() + " %, cohort "
                    + a.get(1).getValue() + " %, delay " + a.get(2).getValue() + " h is out of bounds: canary 1-50 %, "
                    + "cohort at least 1 % with canary + 3 × cohort at most 100 %, delay 1-720 h.";
            case "AccessControlUnauthorizedAccount" -> "The signing account " + a.get(0).getValue() + " lacks the "
                    + roleName((byte[]) a.get(1).getValue()) + " role on the VersionBeacon. An admin of the contract "
                    + "must grant it (grantRole).";
            case "AccessControlBadConfirmation" -> "An account can only renounce its own roles.";
            case "Error" -> "The VersionBeacon reverted: " + a.get(0).getValue();
            case "Panic" -> "The VersionBeacon panicked (code 0x" + ((BigInteger) a.get(0).getValue()).toString(16)
                    + ").";
            default -> "The VersionBeacon reverted with " + name + ".";
        };
    }

    private static String tier(Type<?> index) {
        int i = ((BigInteger) index.getValue()).intValue();
        return i >= 0 && i < Tier.values().length ? "Tier " + BeaconTiers.tier(i) : "Tier " + i;
    }

    private static String roleName(byte[] role) {
        if (Numeric.toBigInt(role).signum() == 0) {
            return "admin";
        }
        var hex = Numeric.toHexString(role);
        return hex.equals(org.web3j.crypto.Hash.sha3String("PUBLISHER_ROLE")) ? "publisher" : hex;
    }

    private static String abbreviate(String data) {
        return data.length() > 74 ? data.substring(0, 74) + "…" : data;
    }
}
