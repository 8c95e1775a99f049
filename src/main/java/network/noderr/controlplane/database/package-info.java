/** Database wiring: the embedded PostgreSQL default, or the configured external server. */
@NullMarked
package network.noderr.controlplane.database;

import org.jspecify.annotations.NullMarked;
