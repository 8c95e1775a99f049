import type CohortProgress from 'Frontend/generated/network/noderr/controlplane/rollouts/CohortProgress';
import type RolloutView from 'Frontend/generated/network/noderr/controlplane/rollouts/RolloutView';

/** A cohort's figures: "2 / 2 updated" (or "2 / 2"), "waiting" before it is active, "no nodes" when it has none. */
export function cohortFigures(c: CohortProgress, suffix = ''): string {
  if (!c.active) return 'waiting';
  if (c.nodes === 0) return 'no nodes';
  return `${c.updated} / ${c.nodes}${suffix}`;
}

/** The share of a cohort's nodes updated; an empty cohort updated nothing, so its bar stays empty, never full. */
export function cohortBarValue(c: CohortProgress): number {
  return c.nodes === 0 ? 0 : c.updated / c.nodes;
}

/** What a screen reader says of a cohort's progress bar: "ORACLE 1.5.0 canary: 12 of 20 updated". */
export function cohortBarLabel(r: RolloutView, c: CohortProgress): string {
  const name = `${r.tier} ${r.versionString} ${c.cohort}`;
  if (!c.active) return `${name}: waiting`;
  if (c.nodes === 0) return `${name}: no nodes`;
  return `${name}: ${c.updated} of ${c.nodes} updated`;
}

/**
 * The cohort split is deterministic (each node's keccak bucket), so a small tier can have no node in the canary:
 * the first cohort with nodes then updates with nothing tested before it. Undefined when the canary has nodes.
 */
export function emptyCanaryWarning(r: RolloutView): string | undefined {
  const canary = r.cohorts.find((c) => c.cohort === 'canary');
  const first = r.cohorts.find((c) => c.cohort !== 'canary' && c.nodes > 0);
  if (!canary || canary.nodes > 0 || r.totalNodes === 0 || !first) return undefined;
  const nodes = `${r.totalNodes} ${r.totalNodes === 1 ? 'node' : 'nodes'}`;
  return `No node of this tier is in the canary (${r.canaryPercentage}% of ${nodes}): ${first.cohort} is the first to update, with nothing tested before it.`;
}
