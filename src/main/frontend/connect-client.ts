import { ConnectClient, type Middleware } from '@vaadin/hilla-frontend';

/**
 * A call answered with 401 means the session ended (expired, logged out in another tab, the server restarted without
 * it): go to the login page, which says so and brings the user back to this screen, instead of leaving every screen
 * failing. The call still fails (UnauthorizedResponseError), and its message says what happened (errorText).
 */
const sessionEnded: Middleware = async (context, next) => {
  const response = await next(context);
  if (response.status === 401 && window.location.pathname !== '/login') {
    const back = window.location.pathname + window.location.search;
    window.location.assign(`/login?ended=${encodeURIComponent(back)}`);
  }
  return response;
};

const client = new ConnectClient({ prefix: 'connect', middlewares: [sessionEnded] });
export default client;
