/**
 * Rollouts: the staged deployment of a release to a tier (cohorts, gates, automatic rollback), the node API that
 * tells nodes what to run, update reports, emergency rollback, and the management API and dashboard service.
 * The rules live in {@link network.noderr.controlplane.rollouts.engine}; this package stores and drives them.
 */
@NullMarked
package network.noderr.controlplane.rollouts;

import org.jspecify.annotations.NullMarked;
