package network.noderr.controlplane.shared;

import java.util.Comparator;

/** How release versions compare: the one ordering the registry's version filter and the downgrade check share. */
public final class Versions {

    private Versions() {}

    /**
     * Semantic Versioning 2.0.0 as its specification gives it: MAJOR.MINOR.PATCH without leading zeros, an optional
     * pre-release ({@code -rc.1}) and optional build metadata ({@code +build.5}), each dot-separated identifiers.
     */
    public static final String PATTERN = "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(?:-(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
            + "(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$";

    /**
     * Semantic-version order: the dotted numeric core compared as numbers (1.10.0 after 1.9.0), a pre-release before
     * its release, build metadata ignored; parts that are not numbers compare as text.
     */
    public static final Comparator<String> ORDER = (a, b) -> {
        var x = a.split("\\+", 2)[0].split("-", 2);
        var y = b.split("\\+", 2)[0].split("-", 2);
        var xs = x[0].split("\\.");
        var ys = y[0].split("\\.");
        for (int i = 0; i < Math.min(xs.length, ys.length); i++) {
            int c = xs[i].matches("\\d{1,9}") && ys[i].matches("\\d{1,9}")
                    ? Integer.compare(Integer.parseInt(xs[i]), Integer.parseInt(ys[i]))
                    : xs[i].compareTo(ys[i]);
            if (c != 0) {
                return c;
            }
        }
        if (xs.length != ys.length) {
            return Integer.compare(xs.length, ys.length);
        }
        if (x.length != y.length) {
            return x.length == 1 ? 1 : -1; // a release after its pre-releases
        }
        return x.length == 1 ? 0 : x[1].compareTo(y[1]);
    };

    /** Whether {@code version} comes before {@code other} in {@link #ORDER}. */
    public static boolean isLower(String version, String other) {
        return ORDER.compare(version, other) < 0;
    }
}
