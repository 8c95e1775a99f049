import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { ValidationError } from '@vaadin/hilla-lit-form';
import { useForm } from '@vaadin/hilla-react-form';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Dialog } from '@vaadin/react-components/Dialog.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { PasswordField, type PasswordFieldElement } from '@vaadin/react-components/PasswordField.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { useAuth } from 'Frontend/auth';
import { useRevealWhenStacked } from 'Frontend/components/reveal';
import { fieldErrors, showDone, showError, useSubmitOnEnter } from 'Frontend/components/errors';
import { roleItems, roleLabels } from 'Frontend/components/roles';
import { SecretDialog, type Secret } from 'Frontend/components/SecretDialog';
import { formatRelative, useAgesCounting } from 'Frontend/components/time';
import { useLoaded } from 'Frontend/components/useLoaded';
import { UserAdminService } from 'Frontend/generated/endpoints';
import type TokenInfo from 'Frontend/generated/network/noderr/controlplane/security/ApiTokens/TokenInfo';
import NewUserModel from 'Frontend/generated/network/noderr/controlplane/security/NewUserModel';
import Role from 'Frontend/generated/network/noderr/controlplane/security/Role';
import type UserAccount from 'Frontend/generated/network/noderr/controlplane/security/UserAccount';
import { useCallback, useEffect, useRef, useState } from 'react';
import './users.css';

export const config: ViewConfig = {
  title: 'Users',
  menu: { order: 8, icon: 'vaadin:users' },
  rolesAllowed: ['ADMIN'],
};

export default function UsersView() {
  useAgesCounting();
  const { state } = useAuth();
  const me = state.user?.username;
  const { data: users, error: loadError, reload: load } = useLoaded(UserAdminService.list, 'Could not load the users');
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<Secret | undefined>(undefined);

  const selected = users?.find((u) => u.id === selectedId);

  return (
    <main className="view users-view">
      <div className="flex items-center gap-m">
        <span className="text-secondary" data-testid="user-count">
          {users === undefined ? '' : `${users.length} ${users.length === 1 ? 'user' : 'users'}`}
        </span>
        <Button theme="primary" className="ms-auto" onClick={() => setCreating(true)}>
          New user…
        </Button>
      </div>
      <div className="users-body">
        <Grid<UserAccount>
          items={users ?? []}
          className="users-grid"
          theme="wrap-cell-content"
          aria-label="Users"
          data-testid="users-grid"
          selectedItems={selected ? [selected] : []}
          onActiveItemChanged={(e) => e.detail.value && setSelectedId(e.detail.value.id)}
        >
          {/* Fixed widths (long names wrap): the columns fit beside the details on a 1280 px desktop. */}
          <GridColumn path="username" header="Username" width="7rem" flexGrow={1} />
          <GridColumn header="Role" width="9.5rem" flexGrow={0}>
            {({ item }: { item: UserAccount }) => roleLabels[item.role]}
          </GridColumn>
          <GridColumn header="Status" width="6.5rem" flexGrow={0}>
            {({ item }: { item: UserAccount }) =>
              item.enabled ? (
                <span>Enabled</span>
              ) : (
                <span className="badge-disabled" data-testid="user-disabled">
                  Disabled
                </span>
              )
            }
          </GridColumn>
          <GridColumn header="Last login" width="9.5rem" flexGrow={0}>
            {({ item }: { item: UserAccount }) => (
              <span className="user-times">
                <span>{item.lastLoginAt ? formatRelative(item.lastLoginAt) : 'never'}</span>
                <span className="text-secondary text-s">created {formatRelative(item.createdAt)}</span>
              </span>
            )}
          </GridColumn>
          <div slot="empty-state" className="empty-state" data-testid="users-empty">
            {loadError ? (
              <>
                <h2>The users could not be loaded</h2>
                <p>{loadError}</p>
                <Button onClick={() => void load()}>Try again</Button>
              </>
            ) : (
              <>
                <h2>No users yet</h2>
                <p>Create one with “New user…”.</p>
              </>
            )}
          </div>
        </Grid>
        {selected ? (
          <UserDetails
            key={selected.id}
            user={selected}
            isMe={selected.username === me}
            onChanged={load}
            onSecret={setSecret}
          />
        ) : (
          <section className="user-details empty-state" aria-label="User details">
            <p>Select a user to change their role, disable them, reset their password or revoke their API tokens.</p>
          </section>
        )}
      </div>

      <CreateUserDialog
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={async (user) => {
          setCreating(false);
          showDone(`User ${user.username} created as ${roleLabels[user.role]}. Give them their password in person.`);
          await load();
          setSelectedId(user.id);
        }}
      />
      <SecretDialog secret={secret} onClose={() => setSecret(undefined)} />
    </main>
  );
}

function CreateUserDialog({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (user: UserAccount) => Promise<void>;
}) {
  const { model, field, submit, submitting, read } = useForm(NewUserModel, {
    onSubmit: async (user) => {
      // Field errors from the server (a taken name) go to their fields; other errors to a toast below.
      const created = await UserAdminService.create(user);
      await onCreated(created);
    },
  });

  const formRef = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    if (opened) {
      read({ username: '', password: '', role: Role.VIEWER });
    }
  }, [opened]);

  const create = async () => {
    try {
      await submit();
    } catch (e) {
      if (!(e instanceof ValidationError)) {
        showError('The user was not created', e);
      }
    }
  };

  const onEnter = useSubmitOnEnter(() => void create());

  return (
    <Dialog
      headerTitle="New user"
      opened={opened}
      onOpenedChanged={(e) => {
        if (e.detail.value) {
          // The dialog takes the focus when it opens; hand it to the first field so typing starts at once.
          requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('vaadin-text-field')?.focus());
        } else if (opened) {
          onClose();
        }
      }}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button theme="primary" disabled={submitting} onClick={() => void create()}>
            {submitting ? 'Creating…' : 'Create user'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col create-user-form" ref={formRef} onKeyDown={onEnter}>
        <TextField
          label="Username"
          helperText="Letters, digits, '.', '_', '@' or '-'"
          autocomplete="off"
          {...field(model.username)}
        />
        <PasswordField
          label="Password"
          helperText="At least 12 characters. Tell the user in person; they can change it under My account."
          autocomplete="new-password"
          {...field(model.password)}
        />
        <Select label="Role" items={roleItems} {...field(model.role)} />
      </div>
    </Dialog>
  );
}

type DetailsProps = {
  user: UserAccount;
  isMe: boolean;
  onChanged: () => Promise<void>;
  onSecret: (secret: Secret) => void;
};

function UserDetails({ user, isMe, onChanged, onSecret }: DetailsProps) {
  const [role, setRole] = useState<Role>(user.role);
  const [confirmRole, setConfirmRole] = useState(false);
  const [confirmDisable, setConfirmDisable] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [tokens, setTokens] = useState<TokenInfo[] | undefined>(undefined);
  const [revoking, setRevoking] = useState<TokenInfo | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const loadTokens = useCallback(async () => {
    try {
      setTokens(await UserAdminService.tokens(user.id));
    } catch (e) {
      showError(`Could not load the API tokens of ${user.username}`, e);
    }
  }, [user.id, user.username]);

  useEffect(() => {
    void loadTokens();
  }, [loadTokens]);

  useEffect(() => setRole(user.role), [user.role]);

  async function run(what: string, action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (e) {
      showError(what, e);
    } finally {
      setBusy(false);
      await onChanged();
    }
  }

  const changeRole = () =>
    run('The role was not changed', async () => {
      setConfirmRole(false);
      const changed = await UserAdminService.changeRole(user.id, role);
      showDone(`${changed.username} is now ${roleLabels[changed.role]}. Their sessions and API tokens have the new role.`);
    });

  const setEnabled = (enabled: boolean) =>
    run(enabled ? 'The user was not enabled' : 'The user was not disabled', async () => {
      setConfirmDisable(false);
      const changed = await UserAdminService.setEnabled(user.id, enabled);
      showDone(
        changed.enabled
          ? `${changed.username} is enabled again: they can log in and their API tokens work.`
          : `${changed.username} is disabled: logged out, and their API tokens are refused until you enable them.`,
      );
    });

  const revoke = () =>
    run('The token was not revoked', async () => {
      const token = revoking!;
      setRevoking(undefined);
      await UserAdminService.revokeToken(user.id, token.id);
      showDone(`Token “${token.name}” of ${user.username} revoked: requests with it are refused from now on.`);
      await loadTokens();
    });

  const activeTokens = tokens?.filter((t) => !t.revokedAt) ?? [];
  const detailsRef = useRevealWhenStacked<HTMLElement>(user.id);

  return (
    <section className="user-details" aria-label="User details" data-testid="user-details" ref={detailsRef}>
      <h2>{user.username}</h2>
      <dl>
        <dt>Status</dt>
        <dd data-testid="user-status">{user.enabled ? 'Enabled' : 'Disabled'}</dd>
        <dt>Created</dt>
        <dd>{formatRelative(user.createdAt)}</dd>
        <dt>Last login</dt>
        <dd>{user.lastLoginAt ? formatRelative(user.lastLoginAt) : 'never'}</dd>
      </dl>
      {isMe && (
        <p className="text-secondary text-s" data-testid="own-account-hint">
          This is your account: another admin must change its role, disable it or reset its password. Change your
          password and tokens under My account.
        </p>
      )}

      <div className="flex items-end gap-s flex-wrap">
        <Select
          className="role-select"
          label="Role"
          items={roleItems}
          value={role}
          disabled={busy || (isMe && user.role === Role.ADMIN)}
          onValueChanged={(e) => setRole(e.detail.value as Role)}
        />
        <Button disabled={busy || role === user.role} onClick={() => setConfirmRole(true)}>
          Change role…
        </Button>
      </div>

      <div className="flex gap-s flex-wrap">
        {user.enabled ? (
          <Button theme="error" disabled={busy || isMe} onClick={() => setConfirmDisable(true)}>
            Disable…
          </Button>
        ) : (
          <Button disabled={busy} onClick={() => void setEnabled(true)}>
            Enable
          </Button>
        )}
        {/* A disabled button gets no pointer events, so the wrapper carries the tooltip. */}
        <span title={isMe ? 'Change your own password under My account' : undefined} data-testid="reset-password">
          <Button disabled={busy || isMe} onClick={() => setResetting(true)}>
            Reset password…
          </Button>
        </span>
      </div>

      <h3>API tokens</h3>
      {tokens !== undefined && activeTokens.length === 0 ? (
        <p className="text-secondary" data-testid="user-tokens-empty">
          No active API tokens. Users create their own under My account.
        </p>
      ) : (
        <ul className="token-list" data-testid="user-tokens">
          {activeTokens.map((t) => (
            <li key={t.id}>
              <span>
                <strong>{t.name}</strong>
                <span className="text-secondary text-s">
                  {' '}
                  · created {formatRelative(t.createdAt)} · expires {t.expiresAt ? formatRelative(t.expiresAt) : 'never'}{' '}
                  · last used {t.lastUsedAt ? formatRelative(t.lastUsedAt) : 'never'}
                </span>
              </span>
              <Button theme="error tertiary small" disabled={busy} onClick={() => setRevoking(t)}>
                Revoke…
              </Button>
            </li>
          ))}
        </ul>
      )}

      <ConfirmDialog
        header={`Change the role of ${user.username}?`}
        opened={confirmRole}
        confirmText={`Make ${roleLabels[role]}`}
        cancelButtonVisible
        onConfirm={() => void changeRole()}
        onCancel={() => setConfirmRole(false)}
      >
        {roleLabels[user.role]} → {roleLabels[role]}. It applies at once to their open sessions and API tokens.
      </ConfirmDialog>

      <ConfirmDialog
        header={`Disable ${user.username}?`}
        opened={confirmDisable}
        confirmText="Disable"
        confirmTheme="error primary"
        cancelButtonVisible
        onConfirm={() => void setEnabled(false)}
        onCancel={() => setConfirmDisable(false)}
      >
        {activeTokens.length === 0
          ? 'They are logged out at their next click and cannot log in until you enable them again.'
          : `They are logged out at their next click, cannot log in, and their ${activeTokens.length} active API ${
              activeTokens.length === 1 ? 'token is' : 'tokens are'
            } refused until you enable them again.`}{' '}
        Nothing is deleted.
      </ConfirmDialog>

      <ConfirmDialog
        header={`Revoke the token “${revoking?.name ?? ''}”?`}
        opened={revoking !== undefined}
        confirmText="Revoke"
        confirmTheme="error primary"
        cancelButtonVisible
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(undefined)}
      >
        Scripts using it get 401 from now on. This cannot be undone; {user.username} can create a new one.
      </ConfirmDialog>

      <ResetPasswordDialog
        user={user}
        opened={resetting}
        onClose={() => setResetting(false)}
        onReset={(generated) => {
          setResetting(false);
          if (generated) {
            onSecret({
              title: `New password for ${user.username}`,
              label: 'Password',
              value: generated,
              description: `Give it to ${user.username} in person; they can change it under My account.`,
            });
          } else {
            showDone(`Password of ${user.username} changed. Tell them in person.`);
          }
        }}
      />
    </section>
  );
}

function ResetPasswordDialog({
  user,
  opened,
  onClose,
  onReset,
}: {
  user: UserAccount;
  opened: boolean;
  onClose: () => void;
  onReset: (generated?: string) => void;
}) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<PasswordFieldElement | null>(null);

  const close = () => {
    setPassword('');
    setError(undefined);
    onClose();
  };

  async function reset() {
    if (password !== '' && password.length < 12) {
      setError('At least 12 characters, or leave it empty to generate one.');
      return;
    }
    setBusy(true);
    try {
      const result = await UserAdminService.resetPassword(user.id, password === '' ? undefined : password);
      setPassword('');
      setError(undefined);
      onReset(result.generatedPassword ?? undefined);
    } catch (e) {
      const fields = fieldErrors(e);
      if (fields.password) {
        setError(fields.password);
      } else {
        showError('The password was not changed', e);
      }
    } finally {
      setBusy(false);
    }
  }

  const onEnter = useSubmitOnEnter(() => void reset());

  return (
    <Dialog
      headerTitle={`Reset the password of ${user.username}`}
      opened={opened}
      onOpenedChanged={(e) => {
        if (e.detail.value) {
          requestAnimationFrame(() => passwordRef.current?.focus());
        } else if (opened) {
          close();
        }
      }}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button theme="primary" disabled={busy} onClick={() => void reset()}>
            {password === '' ? 'Generate password' : 'Set password'}
          </Button>
        </>
      }
    >
      <div className="flex flex-col" style={{ maxWidth: '28rem' }} onKeyDown={onEnter}>
        <p className="m-0">
          The old password stops working at once. Leave the field empty to have a random password generated and shown
          once.
        </p>
        <PasswordField
          label="New password"
          ref={passwordRef}
          autocomplete="new-password"
          value={password}
          invalid={error !== undefined}
          errorMessage={error}
          onValueChanged={(e) => {
            setPassword(e.detail.value);
            setError(undefined);
          }}
        />
      </div>
    </Dialog>
  );
}
