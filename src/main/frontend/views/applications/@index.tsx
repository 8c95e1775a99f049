import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextArea } from '@vaadin/react-components/TextArea.js';
import { useAuth } from 'Frontend/auth';
import { InstallTokenDialog } from 'Frontend/components/InstallTokenDialog';
import { formatRelative } from 'Frontend/components/time';
import { ApplicationsService } from 'Frontend/generated/endpoints';
import type ApplicationView from 'Frontend/generated/network/noderr/controlplane/applications/ApplicationView';
import type Approval from 'Frontend/generated/network/noderr/controlplane/applications/Approval';
import ApplicationStatus from 'Frontend/generated/network/noderr/controlplane/applications/ApplicationStatus';
import { useCallback, useEffect, useState } from 'react';
import './applications.css';

export const config: ViewConfig = {
  title: 'Applications',
  menu: { order: 2, icon: 'vaadin:clipboard-user' },
  rolesAllowed: ['VIEWER'],
};

const statusItems = [
  { label: 'Pending', value: ApplicationStatus.PENDING },
  { label: 'Approved', value: ApplicationStatus.APPROVED },
  { label: 'Rejected', value: ApplicationStatus.REJECTED },
  { label: 'All', value: 'ALL' },
];

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

export default function ApplicationsView() {
  const { state } = useAuth();
  const isAdmin = state.user?.roles.includes('ADMIN') ?? false;
  const [status, setStatus] = useState<string>(ApplicationStatus.PENDING);
  const [items, setItems] = useState<ApplicationView[] | undefined>(undefined);
  const [selected, setSelected] = useState<ApplicationView | undefined>(undefined);
  const [confirmApprove, setConfirmApprove] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [approval, setApproval] = useState<Approval | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      const list = await ApplicationsService.list(status === 'ALL' ? undefined : (status as ApplicationStatus));
      setItems(list);
      setSelected((current) => (current ? list.find((a) => a.id === current.id) : undefined));
    } catch (e) {
      Notification.show(`Could not load applications: ${errorText(e)}`, { theme: 'error', duration: 6000 });
    }
  }, [status]);

  useEffect(() => {
    void load();
  }, [load]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (e) {
      Notification.show(`${errorText(e)}`, { theme: 'error', duration: 8000, position: 'bottom-end' });
    } finally {
      setBusy(false);
      await load();
    }
  }

  const approve = () =>
    run(async () => {
      setConfirmApprove(false);
      setApproval(await ApplicationsService.approve(selected!.id));
    });

  const reissue = () =>
    run(async () => {
      setApproval(await ApplicationsService.reissueToken(selected!.id));
    });

  const reject = () =>
    run(async () => {
      await ApplicationsService.reject(selected!.id, reason.trim());
      setRejecting(false);
      setReason('');
      Notification.show('Application rejected.', { theme: 'success' });
    });

  return (
    <main className="view applications-view">
      <div className="flex items-end gap-m">
        <Select
          label="Status"
          items={statusItems}
          value={status}
          onValueChanged={(e) => setStatus(e.detail.value)}
        />
        <span className="ms-auto text-secondary" data-testid="application-count">
          {items === undefined ? '' : `${items.length} ${items.length === 1 ? 'application' : 'applications'}`}
        </span>
      </div>
      <div className="applications-body">
        <Grid<ApplicationView>
          items={items ?? []}
          className="applications-grid"
          aria-label="Applications"
          selectedItems={selected ? [selected] : []}
          onActiveItemChanged={(e) => e.detail.value && setSelected(e.detail.value)}
        >
          <GridColumn path="operatorName" header="Operator" autoWidth />
          <GridColumn path="requestedTier" header="Tier" autoWidth />
          <GridColumn path="status" header="Status" autoWidth />
          <GridColumn header="Submitted" autoWidth>
            {({ item }) => formatRelative(item.createdAt)}
          </GridColumn>
          <div slot="empty-state" className="empty-state" data-testid="applications-empty">
            <h2>No {status === 'ALL' ? '' : status.toLowerCase()} applications</h2>
            <p>
              Operators apply with <code>POST /api/v1/applications</code>; new applications appear here for an admin
              to approve or reject.
            </p>
          </div>
        </Grid>
        {selected && (
          <section className="application-details" aria-label="Application details">
            <h2>{selected.operatorName}</h2>
            <dl>
              <dt>Email</dt>
              <dd>{selected.email}</dd>
              <dt>Wallet</dt>
              <dd className="mono">{selected.walletAddress}</dd>
              <dt>Tier</dt>
              <dd>{selected.requestedTier}</dd>
              <dt>Hardware</dt>
              <dd>
                {selected.hardware.cpuCores} cores · {selected.hardware.memoryGb} GB RAM · {selected.hardware.diskGb} GB
                disk · {selected.hardware.networkMbps} Mbps{selected.hardware.gpu ? ' · GPU' : ''}
              </dd>
              {selected.message && (
                <>
                  <dt>Message</dt>
                  <dd>{selected.message}</dd>
                </>
              )}
              <dt>Status</dt>
              <dd data-testid="application-status">
                {selected.status}
                {selected.decidedBy && ` by ${selected.decidedBy} ${formatRelative(selected.decidedAt)}`}
              </dd>
              {selected.decisionReason && (
                <>
                  <dt>Reason</dt>
                  <dd>{selected.decisionReason}</dd>
                </>
              )}
              {selected.tokenState && (
                <>
                  <dt>Install token</dt>
                  <dd data-testid="token-state">
                    {selected.tokenState === 'USED'
                      ? `used by ${selected.nodeId}`
                      : `${selected.tokenState.toLowerCase()}, expires ${formatRelative(selected.tokenExpiresAt)}`}
                  </dd>
                </>
              )}
            </dl>
            {isAdmin && selected.status === ApplicationStatus.PENDING && (
              <div className="flex gap-s">
                <Button theme="primary" disabled={busy} onClick={() => setConfirmApprove(true)}>
                  Approve…
                </Button>
                <Button theme="error" disabled={busy} onClick={() => setRejecting(true)}>
                  Reject…
                </Button>
              </div>
            )}
            {isAdmin && selected.status === ApplicationStatus.APPROVED && selected.tokenState !== 'USED' && (
              <Button disabled={busy} onClick={reissue}>
                Issue a new install token
              </Button>
            )}
          </section>
        )}
      </div>

      <ConfirmDialog
        header={`Approve ${selected?.operatorName ?? ''}?`}
        opened={confirmApprove}
        confirmText="Approve and issue token"
        cancelButtonVisible
        onConfirm={approve}
        onCancel={() => setConfirmApprove(false)}
      >
        This issues a single-use install token for tier {selected?.requestedTier}. It is shown only once.
      </ConfirmDialog>

      <ConfirmDialog
        header={`Reject ${selected?.operatorName ?? ''}?`}
        opened={rejecting}
        confirmText="Reject"
        confirmTheme="error primary"
        cancelButtonVisible
        onConfirm={() => (reason.trim() ? reject() : undefined)}
        onCancel={() => setRejecting(false)}
      >
        <TextArea
          label="Reason (told to the operator)"
          required
          value={reason}
          maxlength={1000}
          style={{ width: '100%' }}
          onValueChanged={(e) => setReason(e.detail.value)}
        />
      </ConfirmDialog>

      <InstallTokenDialog approval={approval} onClose={() => setApproval(undefined)} />
    </main>
  );
}
