import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Dialog } from '@vaadin/react-components/Dialog.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { TextField, type TextFieldElement } from '@vaadin/react-components/TextField.js';
import { useAuth } from 'Frontend/auth';
import 'Frontend/components/charts';
import { useSubmitOnEnter } from 'Frontend/components/errors';
import { hardwareValue, HardwareWarning } from 'Frontend/components/HardwareCheck';
import { HealthBadge } from 'Frontend/components/HealthBadge';
import { useNodeRefresh } from 'Frontend/components/live';
import { formatDateTime, formatRelative, useAgesCounting } from 'Frontend/components/time';
import { useLoaded } from 'Frontend/components/useLoaded';
import { AuditService, HealthHistoryService, NodeRegistryService } from 'Frontend/generated/endpoints';
import type AuditEntry from 'Frontend/generated/network/noderr/controlplane/audit/AuditEntry';
import type HealthExplanation from 'Frontend/generated/network/noderr/controlplane/health/HealthExplanation';
import type StoredHealthReport from 'Frontend/generated/network/noderr/controlplane/health/StoredHealthReport';
import type NodeDetails from 'Frontend/generated/network/noderr/controlplane/nodes/NodeDetails';
import HardwareResource from 'Frontend/generated/network/noderr/controlplane/shared/HardwareResource';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { Line } from 'react-chartjs-2';
import { Link, useParams } from 'react-router';
import './node-details.css';

export const config: ViewConfig = {
  title: 'Node details',
  menu: { exclude: true },
  rolesAllowed: ['VIEWER'],
};

/** Health reports drawn in the history chart (nodes report every 30 s: about an hour). */
const HISTORY_REPORTS = 120;

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

function dateTime(iso?: string) {
  return formatDateTime(iso);
}

export default function NodeDetailsView() {
  const { nodeId = '' } = useParams();
  const { state } = useAuth();
  const isAdmin = state.user?.roles.includes('ADMIN') ?? false;
  const [health, setHealth] = useState<StoredHealthReport[]>([]);
  const [why, setWhy] = useState<HealthExplanation | undefined>(undefined);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [confirm, setConfirm] = useState<'suspend' | 'reinstate' | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // Redrawn every 5 s so that the ages ("24 seconds ago") keep counting between reports.
  useAgesCounting();

  /** null when there is no such node; any other failure is the error state with "Try again". */
  const fetchDetails = useCallback(
    async (): Promise<NodeDetails | null> => (await NodeRegistryService.details(nodeId)) ?? null,
    [nodeId],
  );
  /** details: undefined while loading (or when the first load failed: see loadError). */
  const {
    data: details,
    error: loadError,
    reload: reloadDetails,
  } = useLoaded(fetchDetails, `Could not load ${nodeId}`);

  const loadHistory = useCallback(async () => {
    try {
      const [reports, explanation, entries] = await Promise.all([
        HealthHistoryService.latest(nodeId, HISTORY_REPORTS),
        HealthHistoryService.explain(nodeId),
        AuditService.forTarget(nodeId),
      ]);
      setHealth(reports);
      setWhy(explanation);
      setAudit(entries);
    } catch (e) {
      Notification.show(`Could not load the history of ${nodeId}: ${errorText(e)}.`, {
        theme: 'error',
        position: 'bottom-end',
        duration: 6000,
      });
    }
  }, [nodeId]);

  const load = useCallback(async () => {
    await Promise.all([reloadDetails(), loadHistory()]);
  }, [reloadDetails, loadHistory]);

  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);
  // Live: this node's own stream ticks when it reports or changes.
  useNodeRefresh(nodeId, load);

  /** Suspends (with the reason given) or reinstates; returns the server's refusal, if any, for the dialog to show. */
  async function changeStatus(action: 'suspend' | 'reinstate', reason = ''): Promise<string | undefined> {
    setBusy(true);
    try {
      const status =
        action === 'suspend'
          ? await NodeRegistryService.suspend(nodeId, reason)
          : await NodeRegistryService.reinstate(nodeId);
      Notification.show(
        status === 'SUSPENDED'
          ? `${nodeId} is suspended: the node API refuses it until it is reinstated.`
          : `${nodeId} is reinstated and may use the node API again.`,
        { theme: 'success' },
      );
      return undefined;
    } catch (e) {
      Notification.show(`Could not ${action} ${nodeId}: ${errorText(e)}`, {
        theme: 'error',
        position: 'bottom-end',
        duration: 8000,
      });
      return errorText(e);
    } finally {
      setBusy(false);
      await load();
    }
  }

  if (details === null) {
    return (
      <main className="view">
        <div className="empty-state" data-testid="node-missing">
          <h2>No node {nodeId}</h2>
          <p>
            There is no such node in the registry. Go back to <Link to="/nodes">Nodes</Link> and pick one from the
            list.
          </p>
        </div>
      </main>
    );
  }
  if (details === undefined && loadError) {
    return (
      <main className="view">
        <div className="empty-state" role="alert" data-testid="node-error">
          <h2>{nodeId} could not be loaded</h2>
          <p>{loadError}</p>
          <Button onClick={() => void load()}>Try again</Button>
        </div>
      </main>
    );
  }
  if (details === undefined) {
    return <main className="view" aria-busy="true" />;
  }

  const n = details.node;
  const suspended = n.status === 'SUSPENDED';
  return (
    <main className="view node-details-view">
      <header className="node-header">
        <Link to="/nodes" className="text-s">
          ← Nodes
        </Link>
        <div className="flex flex-wrap items-center gap-m">
          <h2 className="m-0" data-testid="node-id">
            {n.nodeId}
          </h2>
          <span className="text-secondary">{n.hostname}</span>
          <span className={`status-badge ${suspended ? 'status-suspended' : 'status-active'}`} data-testid="node-status">
            {suspended ? 'Suspended' : 'Active'}
          </span>
          <HealthBadge status={n.healthStatus} />
          {isAdmin && (
            <div className="ms-auto">
              {suspended ? (
                <Button theme="primary" disabled={busy} onClick={() => setConfirm('reinstate')}>
                  Reinstate…
                </Button>
              ) : (
                <Button theme="error" disabled={busy} onClick={() => setConfirm('suspend')}>
                  Suspend…
                </Button>
              )}
            </div>
          )}
        </div>
      </header>

      {why && why.reasons.length > 0 && (
        <p className={`health-note health-note-${why.status}`} data-testid="health-reasons">
          <strong>{why.status === 'unhealthy' ? 'Unhealthy' : 'Degraded'}:</strong> {why.reasons.join('; ')}.
        </p>
      )}

      {suspended && details.suspension && (
        <p className="suspension-note" role="status" data-testid="suspension">
          <strong>Suspended</strong>
          {details.suspension.at && (
            <span title={dateTime(details.suspension.at)}> {formatRelative(details.suspension.at)}</span>
          )}
          {details.suspension.by && <> by {details.suspension.by}</>}
          {details.suspension.reason ? (
            <>
              : <q data-testid="suspension-reason">{details.suspension.reason}</q>
            </>
          ) : (
            ': no reason recorded (suspended through the management API, or before reasons were asked for).'
          )}
        </p>
      )}

      <section className="detail-cards">
        <Card title="Identity" testId="identity">
          <Field label="Key">
            {n.keyType === 'TPM2' ? 'TPM 2.0, as the node reports (not attested)' : 'Software key file'}
          </Field>
          <Field label="Registered">{dateTime(n.registeredAt)}</Field>
          <Field label="Last login">
            {details.lastAuthenticatedAt
              ? `${formatRelative(details.lastAuthenticatedAt)} from ${details.lastAddress ?? 'an unknown address'}`
              : 'never'}
          </Field>
          <Field label="Key rotated">{details.keyRotatedAt ? dateTime(details.keyRotatedAt) : 'never'}</Field>
          <Field label="Application">{details.applicationId ?? '—'}</Field>
        </Card>
        <Card title="Deployment" testId="deployment">
          <Field label="Tier">{n.tier}</Field>
          <Field label="Cohort">{n.cohort ?? '—'}</Field>
          <Field label="Current version">{n.currentVersion ?? 'not reported yet'}</Field>
          <Field label="Target version">{n.targetVersion ?? '—'}</Field>
          <Field label="Last report">{formatRelative(n.lastHealthCheck)}</Field>
        </Card>
        <Card
          title="Hardware"
          testId="hardware"
          note={<HardwareWarning check={details.hardwareCheck} />}
        >
          <Field label="CPU cores">
            {hardwareValue(details.hardwareCheck, HardwareResource.CPU_CORES, details.hardware.cpuCores)}
          </Field>
          <Field label="Memory">
            {hardwareValue(details.hardwareCheck, HardwareResource.MEMORY_GB, details.hardware.memoryGb)}
          </Field>
          <Field label="Disk">
            {hardwareValue(details.hardwareCheck, HardwareResource.DISK_GB, details.hardware.diskGb)}
          </Field>
          <Field label="Network">
            {hardwareValue(details.hardwareCheck, HardwareResource.NETWORK_MBPS, details.hardware.networkMbps)}
          </Field>
          <Field label="GPU">{details.hardware.gpu == null ? '—' : details.hardware.gpu ? 'yes' : 'no'}</Field>
        </Card>
      </section>

      <section className="detail-panel" aria-labelledby="health-history-heading">
        <h3 id="health-history-heading">Health history</h3>
        <HealthHistoryChart reports={health} />
      </section>

      <section className="detail-panel" aria-labelledby="updates-heading">
        <h3 id="updates-heading">Version history</h3>
        {details.updates.length === 0 ? (
          <p className="text-secondary" data-testid="update-reports-empty">
            No update reports yet. The node reports each update it applies or rolls back.
          </p>
        ) : (
          <table className="detail-table" data-testid="update-reports">
            <thead>
              <tr>
                <th>When</th>
                <th>From</th>
                <th>To</th>
                <th>Result</th>
                <th>Duration</th>
                <th>Cohort</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {details.updates.map((u, i) => (
                <tr key={i} className={`result-${u.result.toLowerCase()}`}>
                  <td title={dateTime(u.reportedAt)}>{formatRelative(u.reportedAt)}</td>
                  <td>{u.fromVersion ?? '—'}</td>
                  <td>{u.toVersion}</td>
                  <td>{u.result.replace('_', ' ').toLowerCase()}</td>
                  <td>{(u.durationMs / 1000).toFixed(1)} s</td>
                  <td>{u.cohort ?? '—'}</td>
                  <td>{u.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="detail-panel" aria-labelledby="audit-heading">
        <h3 id="audit-heading">Audit events</h3>
        {audit.length === 0 ? (
          <p className="text-secondary" data-testid="audit-events-empty">
            Nobody has acted on this node yet (suspensions and reinstatements appear here).
          </p>
        ) : (
          <ul className="audit-events" data-testid="audit-events">
            {audit.map((a) => (
              <li key={a.id} data-testid="audit-event">
                <span className="text-secondary" title={dateTime(a.at)}>
                  {formatRelative(a.at)}
                </span>{' '}
                <strong>{a.actor}</strong> <span title={a.action}>{a.label}</span>{' '}
                <span className={`outcome outcome-${a.outcome}`}>{a.outcome}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <SuspendDialog
        nodeId={nodeId}
        opened={confirm === 'suspend'}
        busy={busy}
        onClose={() => setConfirm(undefined)}
        onSuspend={(reason) => changeStatus('suspend', reason)}
      />
      <ConfirmDialog
        header={`Reinstate ${nodeId}?`}
        opened={confirm === 'reinstate'}
        cancelButtonVisible
        confirmText="Reinstate node"
        confirmTheme="primary"
        onCancel={() => setConfirm(undefined)}
        onConfirm={() => {
          setConfirm(undefined);
          void changeStatus('reinstate');
        }}
      >
        <p className="m-0" data-testid="confirm-message">
          The node may authenticate and receive updates again.
        </p>
      </ConfirmDialog>
    </main>
  );
}

/** The longest suspension reason the server keeps (NodeIdentity.MAX_SUSPENSION_REASON). */
const MAX_REASON = 200;

type SuspendProps = {
  nodeId: string;
  opened: boolean;
  busy: boolean;
  onClose: () => void;
  /** Resolves to the server's refusal, if any. */
  onSuspend: (reason: string) => Promise<string | undefined>;
};

/**
 * Asks why before suspending. A Dialog, not a ConfirmDialog: a ConfirmDialog closes itself on confirm, and a missing
 * reason (or one the server refuses) must keep the dialog open with the error next to the field.
 */
function SuspendDialog({ nodeId, opened, busy, onClose, onSuspend }: SuspendProps) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const reasonRef = useRef<TextFieldElement | null>(null);

  const close = () => {
    setReason('');
    setError(undefined);
    onClose();
  };

  async function suspend() {
    if (reason.trim() === '') {
      setError('Say why: the reason is kept in the audit log and shown while the node is suspended.');
      reasonRef.current?.focus();
      return;
    }
    const refusal = await onSuspend(reason.trim());
    if (refusal === undefined) {
      close();
    } else {
      setError(refusal);
    }
  }

  const onEnter = useSubmitOnEnter(() => void suspend());

  return (
    <Dialog
      headerTitle={`Suspend ${nodeId}?`}
      opened={opened}
      // A stray Escape does not throw away a reason being typed: Cancel closes (and discards it).
      noCloseOnEsc
      onOpenedChanged={(e) => {
        if (e.detail.value) {
          requestAnimationFrame(() => reasonRef.current?.focus());
        } else if (opened) {
          close();
        }
      }}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button theme="error primary" disabled={busy} onClick={() => void suspend()}>
            {busy ? 'Suspending…' : 'Suspend node'}
          </Button>
        </>
      }
    >
      <p className="mt-0" data-testid="suspend-message" style={{ maxWidth: '32rem' }}>
        A suspended node is refused on every node endpoint, authentication included, within seconds. It keeps running
        what it runs but gets no updates until an admin reinstates it.
      </p>
      <TextField
        ref={reasonRef}
        label="Reason"
        helperText={`Kept in the audit log and shown while the node is suspended (up to ${MAX_REASON} characters).`}
        required
        manualValidation
        invalid={error !== undefined}
        errorMessage={error}
        value={reason}
        maxlength={MAX_REASON}
        style={{ width: 'min(32rem, 80vw)' }}
        onValueChanged={(e) => {
          setReason(e.detail.value);
          if (e.detail.value.trim() !== '') setError(undefined);
        }}
        onKeyDown={onEnter}
      />
    </Dialog>
  );
}

function Card({ title, testId, note, children }: { title: string; testId: string; note?: ReactNode; children: ReactNode }) {
  return (
    <section className="detail-card" aria-label={title} data-testid={testId}>
      <h3>{title}</h3>
      {note}
      <dl>{children}</dl>
    </section>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function color(value: string) {
  return { borderColor: value, backgroundColor: value };
}

function HealthHistoryChart({ reports }: { reports: StoredHealthReport[] }) {
  if (reports.length === 0) {
    return (
      <p className="text-secondary" data-testid="health-history-empty">
        No health reports yet. The node&apos;s agent reports once it runs: at its first check, then every 5 minutes
        by default (its check-interval).
      </p>
    );
  }
  const oldestFirst = [...reports].reverse();
  const data = {
    labels: oldestFirst.map((r) => new Date(r.reportedAt).toLocaleTimeString()),
    datasets: [
      { label: 'CPU %', data: oldestFirst.map((r) => r.cpu ?? null), yAxisID: 'percent', ...color('#1676f3') },
      { label: 'Memory %', data: oldestFirst.map((r) => r.memory ?? null), yAxisID: 'percent', ...color('#13a89e') },
      { label: 'Errors', data: oldestFirst.map((r) => r.errors), yAxisID: 'errors', ...color('#d63031') },
    ],
  };
  const last = reports[0];
  return (
    <figure className="history-chart" data-testid="health-history-chart" data-points={reports.length}>
      <Line
        data={data}
        role="img"
        aria-label={`Health history: ${reports.length} reports; latest CPU ${last.cpu ?? '?'} %, memory ${last.memory ?? '?'} %, ${last.errors} errors`}
        options={{
          maintainAspectRatio: false,
          animation: false,
          elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2 } },
          interaction: { mode: 'index', intersect: false },
          scales: {
            percent: { position: 'left', min: 0, max: 100, title: { display: true, text: '%' } },
            errors: {
              position: 'right',
              beginAtZero: true,
              ticks: { precision: 0 },
              grid: { drawOnChartArea: false },
              title: { display: true, text: 'errors' },
            },
          },
          plugins: { legend: { position: 'bottom' } },
        }}
      />
    </figure>
  );
}
