/**
 * Approvals: the two-person rule. Per tier (GUARDIAN on by default), publishing a release and an emergency rollback
 * are held as a pending approval until a second, different RELEASE_MANAGER or ADMIN approves; then the action runs
 * exactly once, recorded with both people. The features that own the actions (beacon, rollouts) ask
 * {@link network.noderr.controlplane.approvals.Approvals} whether their tier needs it and implement
 * {@link network.noderr.controlplane.approvals.ApprovedAction} to run what was approved, so this module depends on
 * neither of them.
 */
@NullMarked
package network.noderr.controlplane.approvals;

import org.jspecify.annotations.NullMarked;
