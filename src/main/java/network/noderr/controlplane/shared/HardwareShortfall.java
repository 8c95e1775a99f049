package network.noderr.controlplane.shared;

import org.jspecify.annotations.NonNull;

/** One resource below its tier minimum: {@code found} of the {@code needed}. */
public record HardwareShortfall(@NonNull HardwareResource resource, int found, int needed) {}
