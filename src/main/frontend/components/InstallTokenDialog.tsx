import { Button } from '@vaadin/react-components/Button.js';
import { Dialog } from '@vaadin/react-components/Dialog.js';
import { TextArea } from '@vaadin/react-components/TextArea.js';
import type Approval from 'Frontend/generated/network/noderr/controlplane/applications/Approval';
import { useState } from 'react';
import { formatDateTime } from 'Frontend/components/time';
import { CopyRefused, copyText } from 'Frontend/components/clipboard';

/**
 * Shows a freshly issued install token and its install command (which does not contain the token: the installer asks
 * for it) once; nothing keeps them after closing. Only Done
 * closes it (not Escape, not a click outside), so the token is not lost by accident.
 */
export function InstallTokenDialog({ approval, onClose }: { approval?: Approval; onClose: () => void }) {
  // Which of the two was copied last (the button says so), or that copying was refused.
  const [copied, setCopied] = useState<'token' | 'command' | 'refused' | undefined>();
  const copy = async (what: 'token' | 'command') => {
    if (approval) {
      const ok = await copyText(what === 'token' ? approval.installToken : approval.installCommand);
      setCopied(ok ? what : 'refused');
    }
  };
  return (
    <Dialog
      headerTitle="Install token issued"
      opened={approval !== undefined}
      // Shown once: a stray click outside or Escape must not throw the secret away; only the buttons close it.
      noCloseOnOutsideClick
      noCloseOnEsc
      onClosed={() => {
        setCopied(undefined);
        onClose();
      }}
      footer={
        <>
          <Button onClick={() => void copy('token')}>{copied === 'token' ? 'Token copied' : 'Copy token'}</Button>
          <Button onClick={() => void copy('command')}>
            {copied === 'command' ? 'Command copied' : 'Copy install command'}
          </Button>
          <Button theme="primary" onClick={onClose}>
            Done
          </Button>
        </>
      }
    >
      {approval && (
        <div className="flex flex-col gap-s" style={{ maxWidth: '44rem' }} data-testid="install-token-dialog">
          <p className="m-0">
            <strong>This token is shown only now.</strong> Send the token and the command to the operator over a trusted
            channel. The token registers one {approval.tier} node and expires{' '}
            {formatDateTime(approval.expiresAt)}.
          </p>
          <p className="m-0" data-testid="install-token-hint">
            The command does not contain the token: the installer asks for it without showing it (or reads it with{' '}
            <code>--token-file FILE</code>), so it stays out of shell histories and of process lists other users of the
            machine can read.
          </p>
          {approval.caSha256 && (
            <p className="m-0" data-testid="install-ca-hint">
              This control plane&apos;s certificate comes from a private CA. The command downloads the CA&apos;s
              certificate, checks it against the SHA-256 in the command before trusting it, and installs it for the
              agent (<code>--ca-file</code>): send the command unchanged, over the same trusted channel as the token.
            </p>
          )}
          {approval.caProblem && (
            <p className="m-0" style={{ color: 'var(--lumo-error-text-color)' }} data-testid="install-ca-problem">
              The command carries no CA certificate: {approval.caProblem}. Operators&apos; machines must trust the
              control plane&apos;s certificate by themselves, or pass <code>--ca-file FILE</code> to the installer.
            </p>
          )}
          {approval.addressProblem && (
            <p className="m-0" style={{ color: 'var(--lumo-error-text-color)' }} data-testid="install-address-problem">
              Operators&apos; machines will not reach this command&apos;s address: {approval.addressProblem}.
            </p>
          )}
          {copied === 'refused' && (
            <CopyRefused />
          )}
          <TextArea label="Install token" readonly value={approval.installToken} data-testid="install-token" />
          <TextArea label="Install command" readonly value={approval.installCommand} data-testid="install-command" />
        </div>
      )}
    </Dialog>
  );
}
