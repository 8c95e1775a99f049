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

export default function LoginView() {
  const { login, logout, state } = useAuth();
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
        const { error } = await login(username, password, {
          // One full load, which picks up the new session, CSRF token and the menu for the user's roles: to the screen
          // the session ended on, else where the server says (the page asked for before logging in, or the start).
          navigate: (to) => window.location.assign(back ?? sameSitePath(to) ?? '/'),
        });
        if (error) {
          refusal.value = (await LoginStatusService.lastRefusal().catch(() => undefined)) ?? undefined;
          hasError.value = true;
        }
      }}
    />
  );
}
