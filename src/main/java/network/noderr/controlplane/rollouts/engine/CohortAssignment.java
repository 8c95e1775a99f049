package network.noderr.controlplane.rollouts.engine;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * The seed's deterministic cohort algorithm, bit for bit: {@code h = keccak256(UTF-8 bytes of nodeId)} (Ethereum's
 * Keccak-256, not NIST SHA3-256) read as an unsigned 256-bit big-endian integer; {@code b = h mod 100}; then
 * {@code b < c} → canary, {@code < c+p} → cohort1, {@code < c+2p} → cohort2, {@code < c+3p} → cohort3, else cohort4.
 */
public final class CohortAssignment {

    private static final BigInteger HUNDRED = BigInteger.valueOf(100);

    private CohortAssignment() {}

    /** The node's bucket, 0-99; depends only on the node id. */
    public static int bucket(String nodeId) {
        var digest = new KeccakDigest(256);
        var bytes = nodeId.getBytes(StandardCharsets.UTF_8);
        digest.update(bytes, 0, bytes.length);
        var hash = new byte[32];
        digest.doFinal(hash, 0);
        return new BigInteger(1, hash).mod(HUNDRED).intValue();
    }

    /** The cohort of a bucket under a config. */
    public static Cohort cohortOf(int bucket, RolloutConfig config) {
        if (bucket < 0 || bucket > 99) {
            throw new IllegalArgumentException("bucket must be 0-99, was " + bucket);
        }
        for (int k = 0; k < 4; k++) {
            if (bucket < config.upperBound(k)) {
                return Cohort.ofIndex(k);
            }
        }
        return Cohort.COHORT4;
    }

    public static Cohort assign(String nodeId, RolloutConfig config) {
        return cohortOf(bucket(nodeId), config);
    }
}
