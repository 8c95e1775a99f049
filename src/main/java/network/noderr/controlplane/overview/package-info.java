/**
 * The Overview screen: the fleet in one aggregate (nodes by tier, status, health and version), the open rollouts and
 * the latest alerts, cached per live change so any number of browsers cost one query per change.
 */
@NullMarked
package network.noderr.controlplane.overview;

import org.jspecify.annotations.NullMarked;
