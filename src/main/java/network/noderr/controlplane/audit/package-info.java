/**
 * The audit log: every admin action (management API changes, audited dashboard calls) and every automation action
 * (automatic rollbacks), append-only in code and in the database; filterable and exportable as CSV.
 */
@NullMarked
package network.noderr.controlplane.audit;

import org.jspecify.annotations.NullMarked;
