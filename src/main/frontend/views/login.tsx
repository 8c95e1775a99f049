import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { useSignal } from '@vaadin/hilla-react-signals';
import { LoginOverlay } from '@vaadin/react-components/LoginOverlay.js';
import { useAuth } from 'Frontend/auth';

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

export default function LoginView() {
  const { login } = useAuth();
  const hasError = useSignal(false);

  return (
    <LoginOverlay
      opened
      noForgotPassword
      error={hasError.value}
      i18n={i18n}
      onLogin={async ({ detail: { username, password } }) => {
        const { defaultUrl, error, redirectUrl } = await login(username, password);
        if (error) {
          hasError.value = true;
        } else {
          // A full load picks up the new session, CSRF token and the menu for the user's roles.
          const url = new URL(redirectUrl ?? defaultUrl ?? '/', document.baseURI);
          window.location.assign(url.pathname + url.search);
        }
      }}
    />
  );
}
