/**
 * Live updates for the dashboard over Hilla push (a WebSocket at {@code /HILLA/push}): the other features' domain
 * events, coalesced per topic into at most one small "this changed" event per window, so a fleet of 100k reporting
 * nodes costs each browser one tick a second at most. Screens re-fetch what they show when their topic ticks.
 */
@NullMarked
package network.noderr.controlplane.live;

import org.jspecify.annotations.NullMarked;
