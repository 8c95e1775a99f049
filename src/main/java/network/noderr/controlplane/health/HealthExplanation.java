package network.noderr.controlplane.health;

import java.util.List;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * Why a node has the health the registry shows: the limits its latest report is at or over, or how long it has been
 * silent.
 *
 * @param status the registry's health ({@code healthy}, {@code degraded}, {@code unhealthy}); null when the node
 *     never reported
 * @param reasons one line each, the worst first; empty when the node is healthy or never reported
 */
public record HealthExplanation(@Nullable String status, @NonNull List<@NonNull String> reasons) {}
