/**
 * Operator applications and the single-use install tokens an approval issues. Nodes consume a token when they
 * register ({@link network.noderr.controlplane.applications.InstallTokens#consume}).
 */
@NullMarked
package network.noderr.controlplane.applications;

import org.jspecify.annotations.NullMarked;
