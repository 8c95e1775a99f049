/**
 * Admin users and roles, management-API tokens, and the HTTP security rules (deny by default). Other features use
 * {@link network.noderr.controlplane.security.Role} names in their access annotations.
 */
@NullMarked
package network.noderr.controlplane.security;

import org.jspecify.annotations.NullMarked;
