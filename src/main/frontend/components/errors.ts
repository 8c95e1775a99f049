import { EndpointValidationError, UnauthorizedResponseError } from '@vaadin/hilla-frontend';
import { Notification } from '@vaadin/react-components/Notification.js';
import { useCallback, useRef, type KeyboardEvent } from 'react';

/**
 * The message of an endpoint error (the server's text says what happened and what to do). A 401 means the session
 * ended; the client is then on its way to the login page (connect-client.ts).
 */
export function errorText(e: unknown): string {
  if (e instanceof UnauthorizedResponseError) {
    return 'your session has ended: log in again';
  }
  return e instanceof Error ? e.message : String(e);
}

/** Field name → message from a server validation error; empty for other errors. */
export function fieldErrors(e: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (e instanceof EndpointValidationError) {
    for (const data of e.validationErrorData) {
      if (data.parameterName) {
        result[data.parameterName] = data.message;
      }
    }
  }
  return result;
}

/** An error toast: what did not happen, then the server's text (what happened and what to do). */
export function showError(what: string, e: unknown) {
  Notification.show(`${what}: ${errorText(e)}`, { theme: 'error', duration: 8000, position: 'bottom-end' });
}

/** A success toast saying what happened. */
export function showDone(text: string) {
  Notification.show(text, { theme: 'success', duration: 5000 });
}

/**
 * Enter in a text input submits, as in a plain HTML form (Enter on a select or button keeps its own meaning). The
 * action runs once the keystrokes before the Enter are rendered: Vaadin's fields tell React of a new value after the
 * input event, so an Enter right after fast typing (or a paste) would otherwise submit the value of the last render,
 * cut short. So the newest action (of the newest render) runs, after the renders waiting.
 */
export function useSubmitOnEnter(action: () => void) {
  const latest = useRef(action);
  latest.current = action;
  return useCallback((e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.target as HTMLElement).tagName === 'INPUT') {
      e.preventDefault();
      requestAnimationFrame(() => setTimeout(() => latest.current()));
    }
  }, []);
}
