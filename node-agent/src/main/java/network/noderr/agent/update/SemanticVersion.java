package network.noderr.agent.update;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A version string's precedence by <a href="https://semver.org/#spec-item-11">Semantic Versioning 2.0.0 §11</a>, the
 * form the control plane requires of release versions ({@code 1.4.2}, {@code 2.0.0-rc.1}; build metadata after
 * {@code +} does not count). A leading {@code v} (an image label such as {@code v1.5.0}) is allowed.
 */
public record SemanticVersion(BigInteger major, BigInteger minor, BigInteger patch, List<String> preRelease)
        implements Comparable<SemanticVersion> {

    private static final Pattern FORM = Pattern.compile(
            "v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+[0-9A-Za-z.-]+)?");

    public SemanticVersion {
        preRelease = List.copyOf(preRelease);
    }

    /** The version, or empty when {@code text} is not a semantic version. */
    public static Optional<SemanticVersion> parse(String text) {
        var m = FORM.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new SemanticVersion(new BigInteger(m.group(1)), new BigInteger(m.group(2)),
                new BigInteger(m.group(3)), m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."))));
    }

    @Override
    public int compareTo(SemanticVersion o) {
        int c = major.compareTo(o.major);
        if (c == 0) {
            c = minor.compareTo(o.minor);
        }
        if (c == 0) {
            c = patch.compareTo(o.patch);
        }
        if (c != 0) {
            return c;
        }
        if (preRelease.isEmpty() || o.preRelease.isEmpty()) { // a pre-release comes before its release
            return Boolean.compare(preRelease.isEmpty(), o.preRelease.isEmpty());
        }
        for (int i = 0; i < Math.min(preRelease.size(), o.preRelease.size()); i++) {
            c = compareIdentifiers(preRelease.get(i), o.preRelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(preRelease.size(), o.preRelease.size());
    }

    /** Numeric identifiers numerically and before alphanumeric ones, which compare in ASCII order. */
    private static int compareIdentifiers(String a, String b) {
        boolean numA = a.chars().allMatch(Character::isDigit);
        boolean numB = b.chars().allMatch(Character::isDigit);
        if (numA && numB) {
            return new BigInteger(a).compareTo(new BigInteger(b));
        }
        if (numA != numB) {
            return numA ? -1 : 1;
        }
        return a.compareTo(b);
    }
}
