/** Cross-cutting web plumbing: the public health check, API error responses, the clock, startup messages. */
@NullMarked
package network.noderr.controlplane.platform;

import org.jspecify.annotations.NullMarked;
