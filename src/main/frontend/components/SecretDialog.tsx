import { Button } from '@vaadin/react-components/Button.js';
import { Dialog } from '@vaadin/react-components/Dialog.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { useState, type ReactNode } from 'react';
import { CopyRefused, copyText } from 'Frontend/components/clipboard';

export type Secret = {
  /** Dialog title, e.g. "API token created". */
  title: string;
  /** Label of the field holding the secret. */
  label: string;
  value: string;
  /** What the secret is for and what to do with it. */
  description: ReactNode;
};

/**
 * Shows a secret (an API token, a generated password) exactly once with a copy button. Nothing keeps it after the
 * dialog closes, and the server stores only a hash.
 */
export function SecretDialog({ secret, onClose }: { secret?: Secret; onClose: () => void }) {
  const [copied, setCopied] = useState<boolean | 'refused'>(false);
  const close = () => {
    setCopied(false);
    onClose();
  };
  const copy = async () => {
    if (secret) {
      // No clipboard access (an insecure origin or a denied permission): the field stays selectable, and says so.
      setCopied((await copyText(secret.value)) ? true : 'refused');
    }
  };
  return (
    <Dialog
      headerTitle={secret?.title ?? ''}
      opened={secret !== undefined}
      // Shown once: a stray click outside or Escape must not throw the secret away; only the buttons close it.
      noCloseOnOutsideClick
      noCloseOnEsc
      onOpenedChanged={(e) => {
        if (!e.detail.value && secret) close();
      }}
      footer={
        <>
          <Button onClick={() => void copy()} data-testid="secret-copy">
            {copied === true ? 'Copied' : 'Copy'}
          </Button>
          <Button theme="primary" onClick={close}>
            Done
          </Button>
        </>
      }
    >
      {secret && (
        <div className="flex flex-col gap-s" style={{ maxWidth: '40rem' }} data-testid="secret-dialog">
          <p className="m-0" role="alert">
            <strong>Copy it now: you will not see it again.</strong> {secret.description}
          </p>
          {copied === 'refused' && (
            <CopyRefused />
          )}
          <TextField
            label={secret.label}
            readonly
            value={secret.value}
            data-testid="secret-value"
            style={{ width: '100%' }}
            className="mono"
          />
        </div>
      )}
    </Dialog>
  );
}
