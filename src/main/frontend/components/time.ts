import { useEffect, useRef, useState } from 'react';

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

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/**
 * A moment in the browser's time zone, with the zone named ("Nov 24, 2026, 02:44:58 PM UTC"): the one way the
 * dashboard writes a date and time. An em dash when there is none.
 */
export function formatDateTime(iso?: string | null): string {
  return iso ? dateTimeFormat.format(new Date(iso)) : '—';
}

const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g;

/** A server message with its ISO-8601 instants ("held back until 2026-11-24T15:05:37Z") written as formatDateTime. */
export function localizeTimes(text: string): string {
  return text.replace(ISO_INSTANT, (iso) => formatDateTime(iso));
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

/** Redraws the calling screen every few seconds while it is visible, so the ages it shows ("31 seconds ago") keep counting. */
export function useAgesCounting(intervalMs = 5_000) {
  const [, setTick] = useState(0);
  useEvery(intervalMs, () => setTick((t) => t + 1));
}
