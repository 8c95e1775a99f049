package network.noderr.controlplane.applications;

import java.util.List;
import org.jspecify.annotations.NonNull;

/**
 * One page of applications in the list's order (pending ones oldest first, others newest first).
 *
 * @param total how many applications match the filter, on every page
 * @param more whether matching applications follow this page (ask with the last one's id as {@code after})
 */
public record ApplicationPage(@NonNull List<@NonNull ApplicationView> items, long total, boolean more) {}
