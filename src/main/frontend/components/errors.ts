import { EndpointValidationError } from '@vaadin/hilla-frontend';

/** The message of an endpoint error (the server's text says what happened and what to do). */
export function errorText(e: unknown): string {
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
