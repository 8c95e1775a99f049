import type HardwareCheck from 'Frontend/generated/network/noderr/controlplane/shared/HardwareCheck';
import HardwareResource from 'Frontend/generated/network/noderr/controlplane/shared/HardwareResource';
import './HardwareCheck.css';

/** Short names for the compact row badge. */
const short: Record<HardwareResource, string> = {
  [HardwareResource.CPU_CORES]: 'CPU',
  [HardwareResource.MEMORY_GB]: 'RAM',
  [HardwareResource.DISK_GB]: 'disk',
  [HardwareResource.NETWORK_MBPS]: 'net',
};

const units: Record<HardwareResource, string> = {
  [HardwareResource.CPU_CORES]: ' cores',
  [HardwareResource.MEMORY_GB]: ' GB',
  [HardwareResource.DISK_GB]: ' GB',
  [HardwareResource.NETWORK_MBPS]: ' Mbps',
};

/** Whether the hardware is below its tier's minimums in a resource that was measured. */
export const isBelowMinimums = (check: HardwareCheck) => check.shortfalls.length > 0;

/**
 * One hardware value ("16 GB", or with a name "16 GB RAM"): "not measured" when it is unknown (the installers do not
 * measure the network), and the tier's minimum next to a value below it.
 */
export function hardwareValue(check: HardwareCheck, resource: HardwareResource, value?: number, name?: string) {
  if (value == null || check.notMeasured.includes(resource)) {
    return <span className="text-secondary">{name ? `${name} not measured` : 'not measured'}</span>;
  }
  const shortfall = check.shortfalls.find((s) => s.resource === resource);
  // "1 core", "8 cores"; the other units (GB, Mbit/s) have no plural.
  const unit = resource === HardwareResource.CPU_CORES && value === 1 ? ' core' : units[resource];
  const text = `${value.toLocaleString()}${unit}${name ? ` ${name}` : ''}`;
  return shortfall ? (
    <span className="hardware-short" data-testid={`short-${resource}`}>
      {text} (needs {shortfall.needed.toLocaleString()})
    </span>
  ) : (
    text
  );
}

/**
 * A compact mark for a list row, on its own line under the tier: which resources are below the tier's minimums; the
 * full text on hover.
 */
export function BelowMinimumsBadge({ check }: { check: HardwareCheck }) {
  if (!isBelowMinimums(check)) return null;
  return (
    <span className="below-minimums-badge" title={check.summary} data-testid="below-minimums">
      Below min: {check.shortfalls.map((s) => short[s.resource]).join(', ')}
    </span>
  );
}

/** The full warning: "Below the GUARDIAN minimums: 2 of 8 CPU cores, 4 of 16 GB memory". */
export function HardwareWarning({ check, testId = 'hardware-warning' }: { check: HardwareCheck; testId?: string }) {
  if (!isBelowMinimums(check)) return null;
  return (
    <p className="hardware-warning" role="note" data-testid={testId}>
      {check.summary}
    </p>
  );
}
