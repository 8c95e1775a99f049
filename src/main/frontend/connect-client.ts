import { ConnectClient, type Middleware } from '@vaadin/hilla-frontend';

/**
 * Set when the user logs out: a call that finds the session gone meanwhile (a live screen's session check, say) is no
 * session that ended, and must not turn the way to the login page into "your session has ended, back to this screen".
 */
let loggingOut = false;

/** Says that the user is logging out (before the session is ended). */
export function loggingOutNow(): void {
  loggingOut = true;
}

/**
 * A call answered with 401 means the session ended (expired, logged out in another tab, the server restarted without
 * it): go to the login page, which says so and brings the user back to this screen, instead of leaving every screen
 * failing. The call still fails (UnauthorizedResponseError), and its message says what happened (errorText).
 */
const sessionEnded: Middleware = async (context, next) => {
  const response = await next(context);
  if (response.status === 401 && !loggingOut && window.location.pathname !== '/login') {
    const back = window.location.pathname + window.location.search;
    window.location.assign(`/login?ended=${encodeURIComponent(back)}`);
  }
  return response;
};

const client = new ConnectClient({ prefix: 'connect', middlewares: [sessionEnded] });
export default client;
