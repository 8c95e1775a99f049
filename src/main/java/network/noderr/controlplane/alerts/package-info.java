/**
 * Alerts: Alertmanager's webhook ({@code POST /api/v1/alerts}, shared secret) and the engine's own alerts, stored
 * with their firing/resolved state, listed and acknowledged through the management API.
 */
@NullMarked
package network.noderr.controlplane.alerts;

import org.jspecify.annotations.NullMarked;
