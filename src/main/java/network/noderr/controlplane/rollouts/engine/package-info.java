/**
 * The deployment engine as plain Java: cohort assignment, rollout states and transitions, activation by the clock,
 * cohort gates, the derived phase, update decisions and the automatic-rollback rule (DESIGN §4). No Spring, JDBC or
 * web3j here (ArchUnit checks it); time comes in as an argument, so every rule is testable with a fixed clock.
 * Other features may use it (e.g. node registration assigns the bucket).
 */
@NullMarked
@NamedInterface("engine")
package network.noderr.controlplane.rollouts.engine;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.NamedInterface;
