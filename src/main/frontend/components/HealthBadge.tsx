import './HealthBadge.css';

const labels: Record<string, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  unhealthy: 'Unhealthy',
};

/** A node's health as a coloured label; nodes that never reported show "No report". */
export function HealthBadge({ status }: { status?: string }) {
  const key = status && labels[status] ? status : 'unknown';
  return <span className={`health-badge health-${key}`}>{labels[key] ?? 'No report'}</span>;
}
