import { useEffect, useRef } from 'react';

/** Where the list-and-details screens stack the details below the list (their CSS uses the same width). */
const STACKED = '(max-width: 48rem)';

/**
 * For the details of the item picked in a list: where the details sit below the list (a phone), scrolls them into
 * view each time another item is picked, so the tap visibly does something. Beside the list it does nothing.
 */
export function useRevealWhenStacked<T extends HTMLElement>(picked: string | undefined) {
  const ref = useRef<T | null>(null);
  useEffect(() => {
    if (picked !== undefined && window.matchMedia(STACKED).matches) {
      ref.current?.scrollIntoView({ block: 'start' });
    }
  }, [picked]);
  return ref;
}
