import { useEffect, useRef } from 'react';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago" for an ISO timestamp; an em dash when there is none. */
export function formatRelative(iso?: string): string {
  if (!iso) {
    return '—';
  }
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return iso;
}

/**
 * Calls tick every intervalMs while the page is visible (and once when it becomes visible again), for screens whose
 * relative times ("24 seconds ago") must keep counting or whose rows must show reports that no live event announces.
 */
export function useEvery(intervalMs: number, tick: () => void) {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    const run = () => {
      if (!document.hidden) {
        tickRef.current();
      }
    };
    const timer = window.setInterval(run, intervalMs);
    document.addEventListener('visibilitychange', run);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', run);
    };
  }, [intervalMs]);
}
