import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { useSignal } from '@vaadin/hilla-react-signals';
import { LoginOverlay } from '@vaadin/react-components/LoginOverlay.js';
import { useAuth } from 'Frontend/auth';
import { LoginStatusService } from 'Frontend/generated/endpoints';
import { useLocation } from 'react-router';

export const config: ViewConfig = {
  menu: { exclude: true },
  skipLayouts: true,
  title: 'Log in',
};

const i18n = {
  header: {
    title: 'Noderr control plane',
    description: 'Operations for the Noderr Node OS network',
  },
  form: {
    title: 'Log in',
    username: 'Username',
    password: 'Password',
    submit: 'Log in',
    forgotPassword: '',
  },
  errorMessage: {
    title: 'Incorrect username or password',
    message: 'Check that you have entered the correct username and password and try again.',
    username: 'Username is required',
    password: 'Password is required',
  },
};

/**
 * The path and query of `value` when the browser resolves it to an address on this site, else undefined. Text such as
 * "/.//evil.example" or "/\\evil.example" looks like a path but leads to another site once resolved (or to a path
 * that starts with "//", which the browser reads as another site), so the resolved address is what is checked.
 */
function sameSitePath(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value, window.location.origin);
  } catch {
    return undefined;
  }
  if (url.origin !== window.location.origin || url.pathname.startsWith('//') || url.pathname.startsWith('/login')) {
    return undefined;
  }
  return url.pathname + url.search;
}

/**
 * Posts the login form as Hilla's login() does (it answers with a status, not a redirect), but with the CSRF token of
 * the session it is checked against: a login page left open longer than its session (30 minutes idle) holds the
 * ended session's token, and Hilla's login, which keeps the token it read first, would be refused with it attempt
 * after attempt, shown as a wrong password. So the login page is fetched first for the current token.
 *
 * @returns where the server sends a successful login (the page asked for before logging in, or the start page);
 *     undefined when the login was refused
 */
async function postLogin(username: string, password: string): Promise<string | undefined> {
  const fresh = new DOMParser().parseFromString(await (await fetch('/login')).text(), 'text/html');
  const meta = (name: string) => fresh.head.querySelector(`meta[name="${name}"]`)?.getAttribute('content');
  const headers = new Headers({ source: 'typescript' });
  const header = meta('_csrf_header');
  const token = meta('_csrf');
  if (header && token) headers.set(header, token);
  const form = new FormData();
  form.append('username', username);
  form.append('password', password);
  const response = await fetch('/login', { method: 'POST', body: form, headers });
  if (!response.ok || response.headers.get('Result') !== 'success') return undefined;
  return response.headers.get('Saved-url') ?? response.headers.get('Default-url') ?? '/';
}

export default function LoginView() {
  const { logout, state } = useAuth();
  const hasError = useSignal(false);
  // Set when the server refused the attempt without checking the password (too many failed logins).
  const refusal = useSignal<string | undefined>(undefined);
  const submitted = useSignal(false);
  const location = useLocation();
  const from = (location.state as { from?: { pathname?: string } } | null)?.from?.pathname;
  // Set by the client when a call found the session ended: the screen to return to (a path of this site only).
  const ended = new URLSearchParams(location.search).get('ended');
  const back = sameSitePath(ended);

  // A logged-in user lands here when a screen needs a role they do not have: say so instead of asking to log in.
  if (state.user && !submitted.value) {
    return (
      <main className="view">
        <div className="empty-state" role="alert" data-testid="access-denied">
          <h2>Access denied</h2>
          <p>
            You are logged in as <strong>{state.user.username}</strong>
            {from ? <>, and your role may not open <code>{from}</code></> : null}. Ask an admin if you need it.
          </p>
          <p className="flex gap-m justify-center">
            <a href="/">Back to the dashboard</a>
            <a
              href="/login"
              onClick={async (e) => {
                e.preventDefault();
                await logout();
                window.location.assign('/login');
              }}
            >
              Log in as someone else
            </a>
          </p>
        </div>
      </main>
    );
  }

  return (
    <LoginOverlay
      opened
      noForgotPassword
      error={hasError.value}
      i18n={{
        ...i18n,
        ...(ended !== null && { header: { ...i18n.header, description: 'Your session has ended: log in again.' } }),
        ...(refusal.value && {
          errorMessage: { ...i18n.errorMessage, title: 'Login refused', message: refusal.value },
        }),
      }}
      onLogin={async ({ detail: { username, password } }) => {
        submitted.value = true;
        let to: string | undefined;
        try {
          to = await postLogin(username, password);
        } catch {
          refusal.value = 'The control plane could not be reached: try again in a moment.';
          hasError.value = true;
          return;
        }
        if (to !== undefined) {
          // One full load, which picks up the new session, CSRF token and the menu for the user's roles: to the screen
          // the session ended on, else where the server says.
          window.location.assign(back ?? sameSitePath(to) ?? '/');
          return;
        }
        refusal.value = (await LoginStatusService.lastRefusal().catch(() => undefined)) ?? undefined;
        hasError.value = true;
      }}
    />
  );
}
