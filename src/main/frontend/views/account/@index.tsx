import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { PasswordField } from '@vaadin/react-components/PasswordField.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { useAuth } from 'Frontend/auth';
import { fieldErrors, showDone, showError, useSubmitOnEnter } from 'Frontend/components/errors';
import { roleLabels } from 'Frontend/components/roles';
import { SecretDialog, type Secret } from 'Frontend/components/SecretDialog';
import { formatRelative, useAgesCounting } from 'Frontend/components/time';
import { useLoaded } from 'Frontend/components/useLoaded';
import { MyAccountService } from 'Frontend/generated/endpoints';
import type TokenInfo from 'Frontend/generated/network/noderr/controlplane/security/ApiTokens/TokenInfo';
import type Role from 'Frontend/generated/network/noderr/controlplane/security/Role';
import { useState } from 'react';
import './account.css';

export const config: ViewConfig = {
  title: 'My account',
  // Reached from the user menu, not the side menu.
  menu: { exclude: true },
  loginRequired: true,
};

const MIN_PASSWORD = 12;

const expiryItems = [
  { label: '30 days', value: '30' },
  { label: '90 days', value: '90' },
  { label: '1 year', value: '365' },
  { label: 'Never', value: 'never' },
];

function tokenStatus(t: TokenInfo): 'active' | 'revoked' | 'expired' {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && new Date(t.expiresAt).getTime() <= Date.now()) return 'expired';
  return 'active';
}

export default function AccountView() {
  useAgesCounting();
  const { state } = useAuth();
  const user = state.user;
  return (
    <main className="view account-view">
      {user && (
        <p className="m-0 text-secondary" data-testid="account-identity">
          Logged in as <strong>{user.username}</strong> ({roleLabels[user.role as Role] ?? user.role}). API tokens act
          with your role; if an admin changes your role, your tokens change with it.
        </p>
      )}
      <ApiTokensSection />
      <PasswordSection />
    </main>
  );
}

function ApiTokensSection() {
  const { data: tokens, error: loadError, reload: load } = useLoaded(MyAccountService.tokens, 'Could not load your API tokens');
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const [expiry, setExpiry] = useState('90');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<Secret | undefined>(undefined);
  const [revoking, setRevoking] = useState<TokenInfo | undefined>(undefined);

  async function create() {
    const trimmed = name.trim();
    if (trimmed === '') {
      setNameError('Give the token a name that says where it is used, e.g. “release pipeline”.');
      return;
    }
    setCreating(true);
    try {
      const issued = await MyAccountService.createToken(trimmed, expiry === 'never' ? undefined : Number(expiry));
      setName('');
      setNameError(undefined);
      setSecret({
        title: 'API token created',
        label: `Token “${issued.name}”`,
        value: issued.token,
        description: 'Only its hash is stored. Use it as “Authorization: Bearer <token>” on the management API.',
      });
    } catch (e) {
      const fields = fieldErrors(e);
      if (fields.name) {
        setNameError(fields.name);
      } else {
        showError('The token was not created', e);
      }
    } finally {
      setCreating(false);
      await load();
    }
  }

  async function revoke() {
    const token = revoking!;
    setRevoking(undefined);
    try {
      await MyAccountService.revokeToken(token.id);
      showDone(`Token “${token.name}” revoked: requests with it are refused from now on.`);
    } catch (e) {
      showError('The token was not revoked', e);
    } finally {
      await load();
    }
  }

  const onEnter = useSubmitOnEnter(() => void create());

  return (
    <section className="account-section" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="m-0 text-secondary">
        For scripts and pipelines that call the management API as you. The token is shown once when you create it.
      </p>
      <div className="flex items-start gap-s flex-wrap" onKeyDown={onEnter}>
        <TextField
          label="Name"
          placeholder="release pipeline"
          maxlength={100}
          value={name}
          invalid={nameError !== undefined}
          errorMessage={nameError}
          onValueChanged={(e) => {
            setName(e.detail.value);
            setNameError(undefined);
          }}
        />
        <Select label="Expires after" items={expiryItems} value={expiry} onValueChanged={(e) => setExpiry(e.detail.value)} />
        <Button theme="primary" className="create-token" disabled={creating} onClick={() => void create()}>
          {creating ? 'Creating…' : 'Create token'}
        </Button>
      </div>
      <Grid<TokenInfo> items={tokens ?? []} allRowsVisible aria-label="My API tokens" data-testid="my-tokens">
        <GridColumn path="name" header="Name" autoWidth />
        <GridColumn header="Created" autoWidth>
          {({ item }: { item: TokenInfo }) => formatRelative(item.createdAt)}
        </GridColumn>
        <GridColumn header="Expires" autoWidth>
          {({ item }: { item: TokenInfo }) => (item.expiresAt ? formatRelative(item.expiresAt) : 'never')}
        </GridColumn>
        <GridColumn header="Last used" autoWidth>
          {({ item }: { item: TokenInfo }) => (item.lastUsedAt ? formatRelative(item.lastUsedAt) : 'never')}
        </GridColumn>
        <GridColumn header="Status" autoWidth>
          {({ item }: { item: TokenInfo }) => (
            <span className={`token-status ${tokenStatus(item)}`} data-status={tokenStatus(item)}>
              {tokenStatus(item)}
            </span>
          )}
        </GridColumn>
        <GridColumn header="" autoWidth flexGrow={0}>
          {({ item }: { item: TokenInfo }) =>
            tokenStatus(item) === 'active' ? (
              <Button theme="error tertiary small" onClick={() => setRevoking(item)} aria-label={`Revoke ${item.name}`}>
                Revoke…
              </Button>
            ) : null
          }
        </GridColumn>
        <div slot="empty-state" className="empty-state" data-testid="my-tokens-empty">
          {loadError ? (
            <p>Your tokens could not be loaded: {loadError}</p>
          ) : (
            <p>No API tokens yet. Create one above for a script or pipeline.</p>
          )}
        </div>
      </Grid>

      <ConfirmDialog
        header={`Revoke “${revoking?.name ?? ''}”?`}
        opened={revoking !== undefined}
        confirmText="Revoke"
        confirmTheme="error primary"
        cancelButtonVisible
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(undefined)}
      >
        Anything still using this token gets 401 from now on. This cannot be undone; you can create a new token.
      </ConfirmDialog>
      <SecretDialog secret={secret} onClose={() => setSecret(undefined)} />
    </section>
  );
}

type PasswordErrors = { currentPassword?: string; newPassword?: string; repeat?: string };

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<PasswordErrors>({});
  const [busy, setBusy] = useState(false);

  async function change() {
    const found: PasswordErrors = {};
    if (current === '') found.currentPassword = 'Enter your current password.';
    if (next.length < MIN_PASSWORD) found.newPassword = `At least ${MIN_PASSWORD} characters.`;
    if (repeat !== next) found.repeat = 'Does not match the new password.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await MyAccountService.changePassword(current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      showDone('Password changed. Use the new one next time you log in.');
    } catch (e) {
      const fields = fieldErrors(e);
      if (fields.currentPassword || fields.newPassword) {
        setErrors({ currentPassword: fields.currentPassword, newPassword: fields.newPassword });
      } else {
        showError('The password was not changed', e);
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (key: keyof PasswordErrors, value: string, set: (v: string) => void) => ({
    value,
    invalid: errors[key] !== undefined,
    errorMessage: errors[key],
    onValueChanged: (e: { detail: { value: string } }) => {
      set(e.detail.value);
      if (errors[key]) setErrors({ ...errors, [key]: undefined });
    },
  });

  const onEnter = useSubmitOnEnter(() => void change());

  return (
    <section className="account-section" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <div className="flex flex-col password-form" onKeyDown={onEnter}>
        <PasswordField label="Current password" autocomplete="current-password" {...field('currentPassword', current, setCurrent)} />
        <PasswordField
          label="New password"
          helperText={`At least ${MIN_PASSWORD} characters`}
          autocomplete="new-password"
          {...field('newPassword', next, setNext)}
        />
        <PasswordField label="Repeat the new password" autocomplete="new-password" {...field('repeat', repeat, setRepeat)} />
        <div>
          <Button theme="primary" disabled={busy} onClick={() => void change()}>
            Change password
          </Button>
        </div>
      </div>
    </section>
  );
}
