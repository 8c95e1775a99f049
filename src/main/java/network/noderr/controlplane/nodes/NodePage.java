package network.noderr.controlplane.nodes;

import java.util.List;
import org.jspecify.annotations.NonNull;

/** One page of the registry and the number of nodes matching the filter. */
public record NodePage(@NonNull List<@NonNull NodeSummary> items, long total, int page, int size) {}
