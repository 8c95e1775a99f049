/**
 * VersionBeacon: the on-chain record of each tier's versions. Publishing releases and emergency rollbacks as
 * transactions (tracked pending → confirmed/failed), the event indexer that mirrors the chain into PostgreSQL and
 * drives the rollout engine from it, chain status and degraded mode, the embedded local chain, and the Releases
 * screen's service. The Java wrapper in {@code beacon.contract} is generated from the contract's ABI at build time.
 */
@NullMarked
package network.noderr.controlplane.beacon;

import org.jspecify.annotations.NullMarked;
