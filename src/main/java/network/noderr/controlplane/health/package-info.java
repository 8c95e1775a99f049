/** Health reports from nodes: durable ingest, classification (pure, {@link HealthClassifier}), retention. */
@NullMarked
package network.noderr.controlplane.health;

import org.jspecify.annotations.NullMarked;
