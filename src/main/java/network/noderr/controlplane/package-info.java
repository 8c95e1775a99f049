/** Root of the control plane. Each direct subpackage is one feature module (see ApplicationModulesTest). */
@NullMarked
package network.noderr.controlplane;

import org.jspecify.annotations.NullMarked;
