import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Dialog } from '@vaadin/react-components/Dialog.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextArea, type TextAreaElement } from '@vaadin/react-components/TextArea.js';
import { useAuth } from 'Frontend/auth';
import { errorText, showDone, showError } from 'Frontend/components/errors';
import { BelowMinimumsBadge, hardwareValue, HardwareWarning, isBelowMinimums } from 'Frontend/components/HardwareCheck';
import { InstallTokenDialog } from 'Frontend/components/InstallTokenDialog';
import { formatRelative, useAgesCounting } from 'Frontend/components/time';
import { ApplicationsService } from 'Frontend/generated/endpoints';
import type ApplicationView from 'Frontend/generated/network/noderr/controlplane/applications/ApplicationView';
import type Approval from 'Frontend/generated/network/noderr/controlplane/applications/Approval';
import ApplicationStatus from 'Frontend/generated/network/noderr/controlplane/applications/ApplicationStatus';
import HardwareResource from 'Frontend/generated/network/noderr/controlplane/shared/HardwareResource';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useRevealWhenStacked } from 'Frontend/components/reveal';
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

/** An action that waits for a confirmation, on the application it was asked for. */
type Confirming = { action: 'approve' | 'reissue'; application: ApplicationView };

const plural = (n: number, one: string, many: string) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** The state of all of an application's install tokens: a batch for several nodes, reissues. */
function tokenSummary(a: ApplicationView): string {
  const parts: string[] = [];
  if (a.tokensUsed > 0) {
    const more = a.tokensUsed > a.nodeIds.length ? `, and ${a.tokensUsed - a.nodeIds.length} more` : '';
    parts.push(`${a.tokensUsed.toLocaleString()} used by ${a.nodeIds.join(', ')}${more}`);
  }
  if (a.tokensActive > 0) {
    parts.push(
      `${a.tokensActive.toLocaleString()} active, ${a.tokensActive === 1 ? 'expires' : 'the last expires'} ${formatRelative(a.tokenExpiresAt)}`,
    );
  }
  if (a.tokensExpired > 0) parts.push(`${a.tokensExpired.toLocaleString()} expired unused`);
  if (a.tokensRevoked > 0) parts.push(`${a.tokensRevoked.toLocaleString()} revoked`);
  return parts.join(' · ');
}

/** What a reissue does, said before it is confirmed: exactly the tokens that stop working. */
function reissueMessage(a: ApplicationView): string {
  const tier = a.requestedTier;
  const stops =
    a.tokensActive === 0
      ? `No install token of ${a.operatorName} works now (${plural(a.tokensExpired, 'token', 'tokens')} expired unused), so none is revoked.`
      : `${plural(a.tokensActive, 'unused install token', 'unused install tokens')} of ${a.operatorName} ${a.tokensActive === 1 ? 'stops' : 'stop'} working now: an install that has not registered with ${a.tokensActive === 1 ? 'it' : 'them'} yet fails and must run the new install command.`;
  const kept =
    a.tokensUsed > 0 ? ` The ${plural(a.tokensUsed, 'node', 'nodes')} already registered keep${a.tokensUsed === 1 ? 's' : ''} working.` : '';
  return `${stops}${kept} The new ${tier} token is shown only once.`;
}

export default function ApplicationsView() {
  useAgesCounting();
  const { state } = useAuth();
  const isAdmin = state.user?.roles.includes('ADMIN') ?? false;
  // The status filter is kept in the address (?status=APPROVED), so a reload or a link keeps it; Pending has none.
  const [params, setParams] = useSearchParams();
  const [status, setShownStatus] = useState<string>(() => {
    const asked = params.get('status');
    return statusItems.some((i) => i.value === asked) ? asked! : ApplicationStatus.PENDING;
  });
  const setStatus = (value: string) => {
    setShownStatus(value);
    setParams(value === ApplicationStatus.PENDING ? {} : { status: value }, { replace: true });
  };
  const [items, setItems] = useState<ApplicationView[] | undefined>(undefined);
  /** How many applications match the filter, and whether more follow those shown. */
  const [total, setTotal] = useState(0);
  const [more, setMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [selected, setSelected] = useState<ApplicationView | undefined>(undefined);
  const detailsRef = useRevealWhenStacked<HTMLElement>(selected?.id);
  const [confirming, setConfirming] = useState<Confirming | undefined>(undefined);
  const [rejecting, setRejecting] = useState<ApplicationView | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const confirmMessageId = useId();
  const [approval, setApproval] = useState<Approval | undefined>(undefined);

  const filter = status === 'ALL' ? undefined : (status as ApplicationStatus);
  /** The filter of the applications shown: an answer for another filter (changed meanwhile) is dropped. */
  const current = useRef(status);
  current.current = status;
  const shown = useRef(0);
  shown.current = items?.length ?? 0;

  /** Loads the first page again, or as many pages as were shown (after an action), so the list does not shrink. */
  const load = useCallback(async () => {
    try {
      const wanted = shown.current;
      let page = await ApplicationsService.list(filter, undefined);
      let list = page.items;
      while (page.more && list.length < wanted) {
        page = await ApplicationsService.list(filter, list[list.length - 1].id);
        list = [...list, ...page.items];
      }
      if (current.current !== status) return;
      setItems(list);
      setTotal(page.total);
      setMore(page.more);
      setSelected((selected) => (selected ? list.find((a) => a.id === selected.id) : undefined));
    } catch (e) {
      Notification.show(`Could not load applications: ${errorText(e)}`, { theme: 'error', duration: 6000 });
    }
  }, [status]);

  useEffect(() => {
    // A new filter starts at its first page; the rows shown stay until its answer replaces them.
    shown.current = 0;
    void load();
  }, [load]);

  async function loadMore() {
    if (!items?.length) return;
    setLoadingMore(true);
    try {
      const page = await ApplicationsService.list(filter, items[items.length - 1].id);
      if (current.current !== status) return;
      setItems([...items, ...page.items]);
      setTotal(page.total);
      setMore(page.more);
    } catch (e) {
      showError('Could not load more applications', e);
    } finally {
      setLoadingMore(false);
    }
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (e) {
      Notification.show(errorText(e), { theme: 'error', duration: 8000, position: 'bottom-end' });
    } finally {
      setBusy(false);
      await load();
    }
  }

  const confirmed = ({ action, application }: Confirming) =>
    run(async () => {
      setApproval(
        await (action === 'approve'
          ? ApplicationsService.approve(application.id)
          : ApplicationsService.reissueToken(application.id, application.tokensActive)),
      );
    });
  const name = confirming?.application.operatorName ?? '';
  /** An approval below the tier's minimums is allowed (the admin decides) but says what it lets in. */
  const approvingBelow =
    confirming?.action === 'approve' && isBelowMinimums(confirming.application.hardwareCheck);
  const tier = confirming?.application.requestedTier ?? '';
  const order = status === ApplicationStatus.PENDING ? 'oldest first' : 'newest first';

  return (
    <main className="view applications-view">
      <div className="flex items-end gap-m">
        <Select
          label="Status"
          items={statusItems}
          value={status}
          onValueChanged={(e) => setStatus(e.detail.value)}
        />
        <span className="ms-auto text-secondary" role="status" data-testid="application-count">
          {items === undefined
            ? ''
            : items.length < total
              ? `${items.length.toLocaleString()} of ${plural(total, 'application', 'applications')}, ${order}`
              : plural(items.length, 'application', 'applications')}
        </span>
        {more && (
          <Button onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? 'Loading more…' : 'Load more'}
          </Button>
        )}
      </div>
      <div className="applications-body">
        <Grid<ApplicationView>
          items={items ?? []}
          className="applications-grid"
          aria-label="Applications"
          selectedItems={selected ? [selected] : []}
          onActiveItemChanged={(e) => e.detail.value && setSelected(e.detail.value)}
        >
          {/* Long names wrap rather than widen the grid: beside the details it must fit 1280 px. */}
          <GridColumn path="operatorName" header="Operator" width="10rem" flexGrow={2} />
          <GridColumn header="Tier" width="9rem" flexGrow={1}>
            {({ item }) => (
              <>
                {item.requestedTier}
                <BelowMinimumsBadge check={item.hardwareCheck} />
              </>
            )}
          </GridColumn>
          <GridColumn header="Status" width="7.5rem" flexGrow={0}>
            {({ item }) => <StatusBadge status={item.status} />}
          </GridColumn>
          <GridColumn header="Submitted" width="8rem" flexGrow={1}>
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
          <section className="application-details" aria-label="Application details" ref={detailsRef}>
            <h2>{selected.operatorName}</h2>
            <HardwareWarning check={selected.hardwareCheck} />
            <dl>
              <dt>Email</dt>
              <dd>{selected.email}</dd>
              <dt>Wallet</dt>
              <dd className="mono">{selected.walletAddress}</dd>
              <dt>Tier</dt>
              <dd>{selected.requestedTier}</dd>
              <dt>Hardware</dt>
              <dd data-testid="application-hardware">
                {hardwareValue(selected.hardwareCheck, HardwareResource.CPU_CORES, selected.hardware.cpuCores)} ·{' '}
                {hardwareValue(selected.hardwareCheck, HardwareResource.MEMORY_GB, selected.hardware.memoryGb, 'RAM')} ·{' '}
                {hardwareValue(selected.hardwareCheck, HardwareResource.DISK_GB, selected.hardware.diskGb, 'disk')} ·{' '}
                {hardwareValue(
                  selected.hardwareCheck,
                  HardwareResource.NETWORK_MBPS,
                  selected.hardware.networkMbps,
                  'network',
                )}
                {selected.hardware.gpu ? ' · GPU' : ''}
              </dd>
              {selected.message && (
                <>
                  <dt>Message</dt>
                  <dd style={{ whiteSpace: 'pre-line' }}>{selected.message}</dd>
                </>
              )}
              <dt>Status</dt>
              <dd data-testid="application-status">
                <StatusBadge status={selected.status} />
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
                  <dt>Install tokens</dt>
                  <dd data-testid="token-state">{tokenSummary(selected)}</dd>
                </>
              )}
            </dl>
            {isAdmin && selected.status === ApplicationStatus.PENDING && (
              <div className="flex gap-s">
                <Button theme="primary" disabled={busy} onClick={() => setConfirming({ action: 'approve', application: selected })}>
                  Approve…
                </Button>
                <Button theme="error" disabled={busy} onClick={() => setRejecting(selected)}>
                  Reject…
                </Button>
              </div>
            )}
            {isAdmin &&
              selected.status === ApplicationStatus.APPROVED &&
              selected.tokensActive + selected.tokensExpired > 0 && (
              <Button disabled={busy} onClick={() => setConfirming({ action: 'reissue', application: selected })}>
                Issue a new install token…
              </Button>
            )}
          </section>
        )}
      </div>

      <ConfirmDialog
        header={confirming?.action === 'reissue' ? `Issue a new install token for ${name}?` : `Approve ${name}?`}
        opened={confirming !== undefined}
        confirmText={
          confirming?.action === 'reissue'
            ? confirming.application.tokensActive === 0
              ? 'Issue a new token'
              : `Revoke ${plural(confirming.application.tokensActive, 'token', 'tokens')} and issue a new one`
            : approvingBelow
              ? 'Approve anyway and issue token'
              : 'Approve and issue token'
        }
        confirmTheme={confirming?.action === 'reissue' ? 'error primary' : 'primary'}
        cancelButtonVisible
        accessibleDescriptionRef={confirmMessageId}
        onConfirm={() => {
          const c = confirming!;
          setConfirming(undefined);
          void confirmed(c);
        }}
        onCancel={() => setConfirming(undefined)}
      >
        <div id={confirmMessageId} data-testid="confirm-message">
          {approvingBelow && (
            <HardwareWarning check={confirming.application.hardwareCheck} testId="confirm-hardware-warning" />
          )}
          <p className="m-0">
            {confirming?.action === 'reissue'
              ? reissueMessage(confirming.application)
              : `This issues a single-use install token for tier ${tier}. It is shown only once.`}
          </p>
        </div>
      </ConfirmDialog>

      <RejectDialog application={rejecting} onClose={() => setRejecting(undefined)} onDone={load} />

      <InstallTokenDialog approval={approval} onClose={() => setApproval(undefined)} />
    </main>
  );
}

/** Each status as a Lumo badge: pending waits for an admin, approved is done, rejected is refused. */
const STATUS_BADGES: Record<ApplicationStatus, { label: string; theme: string }> = {
  [ApplicationStatus.PENDING]: { label: 'Pending', theme: 'badge' },
  [ApplicationStatus.APPROVED]: { label: 'Approved', theme: 'badge success' },
  [ApplicationStatus.REJECTED]: { label: 'Rejected', theme: 'badge error' },
};

function StatusBadge({ status }: { status: ApplicationStatus }) {
  const badge = STATUS_BADGES[status];
  return (
    <span {...{ theme: badge.theme }} data-status={status} data-testid="status-badge">
      {badge.label}
    </span>
  );
}

type RejectProps = { application?: ApplicationView; onClose: () => void; onDone: () => Promise<void> };

/**
 * Asks for the reason of a rejection. A Dialog, not a ConfirmDialog: a ConfirmDialog closes itself on confirm, and
 * an empty reason must keep the dialog open with the error next to the field.
 */
function RejectDialog({ application, onClose, onDone }: RejectProps) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<TextAreaElement | null>(null);

  const close = () => {
    setReason('');
    setError(undefined);
    onClose();
  };

  async function reject() {
    if (!application) return;
    if (reason.trim() === '') {
      setError('Say why the application is rejected.');
      reasonRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await ApplicationsService.reject(application.id, reason.trim());
      showDone('Application rejected.');
      close();
    } catch (e) {
      showError('The application was not rejected', e);
    } finally {
      setBusy(false);
      await onDone();
    }
  }

  return (
    <Dialog
      headerTitle={`Reject ${application?.operatorName ?? ''}?`}
      opened={application !== undefined}
      // A stray Escape does not throw away a reason being typed: Cancel closes (and discards it).
      noCloseOnEsc
      onOpenedChanged={(e) => {
        if (e.detail.value) {
          requestAnimationFrame(() => reasonRef.current?.focus());
        } else if (application) {
          close();
        }
      }}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button theme="error primary" disabled={busy} onClick={() => void reject()}>
            {busy ? 'Rejecting…' : 'Reject'}
          </Button>
        </>
      }
    >
      <TextArea
        ref={reasonRef}
        label="Reason"
        helperText="Kept with the decision. The control plane does not send it to the operator."
        required
        manualValidation
        invalid={error !== undefined}
        errorMessage={error}
        value={reason}
        maxlength={1000}
        style={{ width: 'min(32rem, 80vw)' }}
        onValueChanged={(e) => {
          setReason(e.detail.value);
          if (e.detail.value.trim() !== '') setError(undefined);
        }}
      />
    </Dialog>
  );
}
