package network.noderr.controlplane.beacon;

import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * What publishing {@code version} would move a tier down from, in semantic-version order: the tier's current
 * published version and the highest version its active nodes report running, each only when above {@code version}.
 * A downgrade may be deliberate, so the dashboard asks to confirm it rather than refusing it.
 *
 * @param currentVersion the tier's current published version when it is above {@code version}; null otherwise
 * @param highestRunning the highest version the tier's active nodes run when it is above {@code version}; null
 *     otherwise
 * @param nodesOnHighest active nodes of the tier running {@code highestRunning} (0 when it is null)
 * @param nodesAbove active nodes of the tier running any version above {@code version}
 */
public record Downgrade(@NonNull Tier tier, @NonNull String version, @Nullable String currentVersion,
        @Nullable String highestRunning, long nodesOnHighest, long nodesAbove) {

    /**
     * What it moves down from, for people: "its current version is 1.5.0; 12 active nodes run a version above it (the
     * highest, 1.5.0, on 10)".
     */
    public @NonNull String describe() {
        var what = new java.util.ArrayList<String>();
        if (currentVersion != null) {
            what.add("its current version is " + currentVersion);
        }
        if (highestRunning != null) {
            what.add(nodesAbove + (nodesAbove == 1 ? " active node runs" : " active nodes run")
                    + " a version above it (the highest, " + highestRunning + ", on " + nodesOnHighest + ")");
        }
        return String.join("; ", what);
    }
}
