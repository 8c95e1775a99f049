/** Small types that several features share: tiers with their hardware minimums, and request-validation errors. */
@NullMarked
package network.noderr.controlplane.shared;

import org.jspecify.annotations.NullMarked;
