/**
 * Push to nodes: the WebSocket stream {@code /api/v1/nodes/stream} (DESIGN §3) on which a node hears
 * {@code CHECK_NOW} and {@code ROLLBACK} for its tier. Changes reach every replica's connected nodes through
 * PostgreSQL LISTEN/NOTIFY, sent when the change commits.
 */
@NullMarked
package network.noderr.controlplane.push;

import org.jspecify.annotations.NullMarked;
