package network.noderr.controlplane.rollouts.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cohort assignment against vectors computed outside Java: {@code cohort-vectors.csv} was produced by
 * {@code cohort-vectors.mjs} (Node.js, {@code @noble/hashes} {@code keccak_256}). See that script for how to regenerate.
 */
class CohortVectorsTest {

    record Vector(String nodeId, int bucket, String cohort) {
        @Override
        public String toString() { // readable test names, even for the empty and the very long ids
            var shown = nodeId.length() > 40 ? nodeId.substring(0, 37) + "…(" + nodeId.length() + ")" : nodeId;
            return "\"" + shown + "\" → " + bucket + " " + cohort;
        }
    }

    static List<Vector> vectors() throws IOException {
        try (InputStream in = CohortVectorsTest.class.getResourceAsStream("/cohort-vectors.csv")) {
            assertThat(in).as("cohort-vectors.csv on the test classpath").isNotNull();
            var lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .toList();
            assertThat(lines.getFirst()).isEqualTo("nodeId,bucket,cohort");
            var result = new ArrayList<Vector>();
            for (var line : lines.subList(1, lines.size())) {
                var fields = parseCsvLine(line);
                assertThat(fields).as("fields of %s", line).hasSize(3);
                result.add(new Vector(fields.get(0), Integer.parseInt(fields.get(1)), fields.get(2)));
            }
            return result;
        }
    }

    /** RFC 4180 fields: optionally double-quoted, a quote inside doubled. */
    static List<String> parseCsvLine(String line) {
        var fields = new ArrayList<String>();
        var field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    @Test
    void theVectorFileCoversTheRequiredKindsOfIds() throws IOException {
        var ids = vectors().stream().map(Vector::nodeId).toList();
        assertThat(ids).hasSizeGreaterThanOrEqualTo(24).doesNotHaveDuplicates();
        assertThat(ids).contains("", "node-0001", "nœud-é-1", "node,with,commas", "node \"quoted\"");
        assertThat(ids).anyMatch(id -> id.getBytes(StandardCharsets.UTF_8).length > 136); // more than one Keccak block
        assertThat(ids).anyMatch(id -> id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
        // every cohort of the default config is represented
        assertThat(vectors().stream().map(Vector::cohort).distinct())
                .containsExactlyInAnyOrder("canary", "cohort1", "cohort2", "cohort3", "cohort4");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void bucketMatchesTheIndependentImplementation(Vector v) {
        assertThat(CohortAssignment.bucket(v.nodeId())).isEqualTo(v.bucket());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void defaultCohortMatchesTheIndependentImplementation(Vector v) {
        assertThat(CohortAssignment.assign(v.nodeId(), RolloutConfig.DEFAULT).wireName()).isEqualTo(v.cohort());
    }

    /** Well-known Ethereum Keccak-256 digests; NIST SHA3-256 gives different ones (e.g. a7ffc6f8... for ""). */
    @ParameterizedTest(name = "keccak256(\"{0}\")")
    @CsvSource({
        "'', c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        "abc, 4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    })
    void ethereumSanityVectors(String input, String digestHex) {
        var digest = new KeccakDigest(256);
        var bytes = input.getBytes(StandardCharsets.UTF_8);
        digest.update(bytes, 0, bytes.length);
        var out = new byte[32];
        digest.doFinal(out, 0);
        assertThat(HexFormat.of().formatHex(out)).isEqualTo(digestHex);

        int expectedBucket = new BigInteger(digestHex, 16).mod(BigInteger.valueOf(100)).intValue();
        assertThat(CohortAssignment.bucket(input)).isEqualTo(expectedBucket);
    }

    @Test
    void sanityVectorBucketsAreTheOnesTheScriptPrinted() {
        // cohort-vectors.mjs header: keccak256("") mod 100 = 52, keccak256("abc") mod 100 = 97 (BigInt arithmetic)
        assertThat(CohortAssignment.bucket("")).isEqualTo(52);
        assertThat(CohortAssignment.bucket("abc")).isEqualTo(97);
        assertThat(CohortAssignment.assign("", RolloutConfig.DEFAULT)).isEqualTo(Cohort.COHORT2);
        assertThat(CohortAssignment.assign("abc", RolloutConfig.DEFAULT)).isEqualTo(Cohort.COHORT4);
    }

    @Test
    void csvParserHandlesQuotesAndCommas() {
        assertThat(parseCsvLine("\"a,b\",1,\"x \"\"y\"\"\"")).containsExactly("a,b", "1", "x \"y\"");
        assertThat(parseCsvLine("\"\",52,\"cohort2\"")).containsExactly("", "52", "cohort2");
    }
}
