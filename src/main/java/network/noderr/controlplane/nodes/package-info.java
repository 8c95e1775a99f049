/** The node registry: every node with its tier, versions, cohort and last known health. */
@NullMarked
package network.noderr.controlplane.nodes;

import org.jspecify.annotations.NullMarked;
