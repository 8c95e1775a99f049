/** Small types that several features share: tiers and request-validation errors. */
@NullMarked
package network.noderr.controlplane.shared;

import org.jspecify.annotations.NullMarked;
