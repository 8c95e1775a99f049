package network.noderr.controlplane.rollouts.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Properties of cohort assignment. Inputs come from a seeded {@link Random} (reproducible) or, where the domain is
 * small enough, from exhaustive enumeration (every valid (canary, cohort) split, every bucket).
 *
 * <p>Plain JUnit rather than jqwik: jqwik ≥ 1.10 carries an "Anti-AI Usage Clause" (its maintainer asks that it
 * not be used with AI coding agents), and these tests were written with one.
 */
class CohortPropertiesTest {

    private static final long SEED = 0x5EED_C0DEL;

    /** Random node ids of several shapes: sequential-looking, UUIDs, arbitrary unicode (incl. supplementary chars). */
    private static String randomId(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> "node-" + random.nextInt(1_000_000);
            case 1 -> new UUID(random.nextLong(), random.nextLong()).toString();
            default -> {
                var sb = new StringBuilder();
                int len = random.nextInt(40);
                for (int i = 0; i < len; i++) {
                    int cp;
                    do {
                        cp = random.nextInt(0x1F700);
                    } while (Character.isSurrogate((char) cp) && cp <= 0xFFFF);
                    sb.appendCodePoint(cp);
                }
                yield sb.toString();
            }
        };
    }

    @Test
    void sameIdAlwaysGivesTheSameBucketWithinRange() {
        var random = new Random(SEED);
        for (int i = 0; i < 5_000; i++) {
            var id = randomId(random);
            int first = CohortAssignment.bucket(id);
            int second = CohortAssignment.bucket(new String(id.toCharArray())); // equal, not identical
            assertThat(second).as("bucket of %s", id).isEqualTo(first);
            assertThat(first).as("bucket of %s", id).isBetween(0, 99);
            assertThat(CohortAssignment.assign(id, RolloutConfig.DEFAULT))
                    .isEqualTo(CohortAssignment.cohortOf(first, RolloutConfig.DEFAULT));
        }
    }

    @ParameterizedTest(name = "config {0}/{1}: shares {2}/{3}/{3}/{3}/{4} %")
    @CsvSource({
        // canary, cohort, expected canary %, expected cohort1-3 %, expected cohort4 %
        "5,  25, 5,  25, 20",
        "10, 20, 10, 20, 30",
    })
    void overManyRandomIdsEachCohortGetsItsConfiguredShare(int canary, int cohort, int canaryShare, int cohortShare,
            int lastShare) {
        var config = new RolloutConfig(canary, cohort, 24);
        var random = new Random(SEED + canary);
        int n = 100_000;
        Map<Cohort, Integer> tally = new EnumMap<>(Cohort.class);
        for (int i = 0; i < n; i++) {
            var id = new UUID(random.nextLong(), random.nextLong()).toString();
            tally.merge(CohortAssignment.assign(id, config), 1, Integer::sum);
        }
        var expected = Map.of(Cohort.CANARY, canaryShare, Cohort.COHORT1, cohortShare, Cohort.COHORT2, cohortShare,
                Cohort.COHORT3, cohortShare, Cohort.COHORT4, lastShare);
        for (var c : Cohort.values()) {
            double percent = 100.0 * tally.getOrDefault(c, 0) / n;
            assertThat(percent).as("share of %s", c).isCloseTo(expected.get(c), within(2.0));
        }
    }

    /** Exhaustive: every valid (canary, cohort) split, every bucket; the delay never matters for assignment. */
    @Test
    void cohortIndexIsMonotoneInTheBucketForEveryValidConfig() {
        var random = new Random(SEED);
        int configs = 0;
        for (int c = 0; c <= 100; c++) {
            for (int p = 0; c + 3 * p <= 100; p++) {
                var config = new RolloutConfig(c, p, 1 + random.nextInt(720));
                int[] index = new int[100];
                for (int b = 0; b < 100; b++) {
                    index[b] = CohortAssignment.cohortOf(b, config).index();
                }
                for (int a = 0; a < 100; a++) {
                    for (int b = a; b < 100; b++) {
                        if (index[a] > index[b]) {
                            throw new AssertionError("config " + config + ": bucket " + a + " → cohort " + index[a]
                                    + " but bucket " + b + " → cohort " + index[b]);
                        }
                    }
                }
                configs++;
            }
        }
        assertThat(configs).isEqualTo(1751); // sum over c of floor((100-c)/3)+1
    }

    /** Exhaustive: the bucket ranges follow DESIGN §4 exactly (b < c canary, < c+p cohort1, ... else cohort4). */
    @Test
    void everyValidConfigSplitsTheHundredBucketsAsDesigned() {
        for (int c = 0; c <= 100; c++) {
            for (int p = 0; c + 3 * p <= 100; p++) {
                var config = new RolloutConfig(c, p, 24);
                int[] size = new int[5];
                for (int b = 0; b < 100; b++) {
                    var expected = b < c ? Cohort.CANARY
                            : b < c + p ? Cohort.COHORT1
                            : b < c + 2 * p ? Cohort.COHORT2
                            : b < c + 3 * p ? Cohort.COHORT3
                            : Cohort.COHORT4;
                    var actual = CohortAssignment.cohortOf(b, config);
                    assertThat(actual).as("config %s bucket %d", config, b).isEqualTo(expected);
                    size[actual.index()]++;
                }
                assertThat(size).containsExactly(c, p, p, p, 100 - c - 3 * p);
            }
        }
    }

    @ParameterizedTest(name = "bucket {0} → {1}")
    @CsvSource({
        "0, canary", "4, canary", "5, cohort1", "29, cohort1", "30, cohort2", "54, cohort2",
        "55, cohort3", "79, cohort3", "80, cohort4", "99, cohort4",
    })
    void defaultBucketBoundaries(int bucket, String cohort) {
        assertThat(CohortAssignment.cohortOf(bucket, RolloutConfig.DEFAULT).wireName()).isEqualTo(cohort);
    }

    @ParameterizedTest(name = "bucket {0} is rejected")
    @CsvSource({"-1", "100", "-2147483648", "2147483647"})
    void bucketsOutsideZeroToNinetyNineAreRejected(int bucket) {
        assertThatThrownBy(() -> CohortAssignment.cohortOf(bucket, RolloutConfig.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(bucket));
    }

    @ParameterizedTest(name = "{0}/{1}/{2}h is invalid ({3})")
    @CsvSource({
        "-1,  25,  24, canaryPercentage",
        "101, 0,   24, canaryPercentage",
        "5,   -1,  24, cohortPercentage",
        "5,   32,  24, cohortPercentage",   // 5 + 96 = 101
        "0,   34,  24, cohortPercentage",   // 102
        "100, 1,   24, cohortPercentage",
        "5,   25,  0,  cohortDelayHours",
        "5,   25,  -24, cohortDelayHours",
        "5,   25,  721, cohortDelayHours",
    })
    void invalidConfigsAreRejected(int canary, int cohort, int delay, String field) {
        assertThatThrownBy(() -> new RolloutConfig(canary, cohort, delay))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(field);
    }

    @ParameterizedTest(name = "{0}/{1}/{2}h is valid")
    @CsvSource({"0, 0, 1", "100, 0, 24", "1, 33, 24", "0, 33, 720", "5, 25, 24", "97, 1, 1"})
    void edgeConfigsAreAccepted(int canary, int cohort, int delay) {
        assertThatCode(() -> new RolloutConfig(canary, cohort, delay)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0}/{1}/24h is invalid (int overflow)")
    @CsvSource({"0, 1431655766", "5, 1431655766", "0, 1431655767"})
    void hugeCohortPercentagesAreRejected(int canary, int cohort) {
        assertThatThrownBy(() -> new RolloutConfig(canary, cohort, 24))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
