import { EndpointValidationError } from '@vaadin/hilla-frontend';
import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { useForm } from '@vaadin/hilla-react-form';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Dialog } from '@vaadin/react-components/Dialog.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { ProgressBar } from '@vaadin/react-components/ProgressBar.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextArea } from '@vaadin/react-components/TextArea.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { useAuth } from 'Frontend/auth';
import { formatDateTime, formatRelative, localizeTimes, useAgesCounting } from 'Frontend/components/time';
import { ApprovalsService, ReleasesService } from 'Frontend/generated/endpoints';
import ApprovalStatus from 'Frontend/generated/network/noderr/controlplane/approvals/ApprovalStatus';
import type ApprovalView from 'Frontend/generated/network/noderr/controlplane/approvals/ApprovalView';
import type BeaconStatusView from 'Frontend/generated/network/noderr/controlplane/beacon/BeaconStatusView';
import type Downgrade from 'Frontend/generated/network/noderr/controlplane/beacon/Downgrade';
import type ReleaseRequest from 'Frontend/generated/network/noderr/controlplane/beacon/ReleaseRequest';
import ReleaseRequestModel from 'Frontend/generated/network/noderr/controlplane/beacon/ReleaseRequestModel';
import type ReleaseView from 'Frontend/generated/network/noderr/controlplane/beacon/ReleaseView';
import type TransactionView from 'Frontend/generated/network/noderr/controlplane/beacon/TransactionView';
import type TierView from 'Frontend/generated/network/noderr/controlplane/beacon/TierView';
import Tier from 'Frontend/generated/network/noderr/controlplane/shared/Tier';
import { useSubmitOnEnter } from 'Frontend/components/errors';
import { useCallback, useEffect, useId, useState } from 'react';
import { NavLink } from 'react-router';
import './releases.css';

export const config: ViewConfig = {
  title: 'Releases',
  menu: { order: 3, icon: 'vaadin:package' },
  rolesAllowed: ['VIEWER'],
};

const REFRESH_MS = 3000;
const TIERS = [Tier.ALL, Tier.ORACLE, Tier.GUARDIAN];

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

function short(hex: string | undefined) {
  return hex ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : '';
}

/** Whether a transaction went to the chain noticeably after it was asked for (queued through an outage). */
function sentLater(t: TransactionView): boolean {
  return !!t.sentAt && new Date(t.sentAt).getTime() - new Date(t.createdAt).getTime() >= 5_000;
}

function whenTitle(t: TransactionView): string {
  const asked = `Asked ${formatDateTime(t.createdAt)}`;
  return t.sentAt ? `${asked}, sent ${formatDateTime(t.sentAt)}` : `${asked}, not sent yet`;
}

export default function ReleasesView() {
  useAgesCounting();
  const { state } = useAuth();
  const canPublish = state.user?.roles.includes('RELEASE_MANAGER') ?? false;
  const [status, setStatus] = useState<BeaconStatusView | undefined>();
  const [releases, setReleases] = useState<ReleaseView[] | undefined>();
  const [transactions, setTransactions] = useState<TransactionView[]>([]);
  const [tierFilter, setTierFilter] = useState<string>('ANY');
  const [rollbackTier, setRollbackTier] = useState<TierView | undefined>();
  const [pending, setPending] = useState<ApprovalView[]>([]);

  const load = useCallback(async () => {
    try {
      const [s, r, t, p] = await Promise.all([
        ReleasesService.status(),
        ReleasesService.releases(tierFilter === 'ANY' ? undefined : (tierFilter as Tier)),
        ReleasesService.transactions(),
        ApprovalsService.list(ApprovalStatus.PENDING),
      ]);
      setStatus(s);
      setReleases(r);
      setTransactions(t);
      setPending(p);
    } catch (e) {
      Notification.show(`Could not load releases: ${errorText(e)}`, { theme: 'error', duration: 6000 });
    }
  }, [tierFilter]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const stale = status?.status === 'stale';
  return (
    <main className="view releases-view">
      {status && <ChainBanner status={status} />}
      <section className="tier-cards" aria-labelledby="tier-cards-heading">
        {/* For screen readers' outline: the cards' h3s sit under a heading of their own. */}
        <h2 className="sr-only" id="tier-cards-heading">
          Tiers
        </h2>
        {status?.tiers.map((t) => (
          <div className="tier-card" key={t.tier} data-testid={`tier-${t.tier}`}>
            <h3>
              {t.tier}
              {t.twoPersonRule && (
                <span
                  className="badge two-person-badge"
                  data-testid={`two-person-${t.tier}`}
                  title="Two-person rule: publish and emergency rollback wait for a second release manager or admin to approve"
                >
                  needs a second approver
                </span>
              )}
            </h3>
            {t.currentVersion ? (
              <div className="current" data-testid={`current-${t.tier}`}>
                {t.currentVersion}
              </div>
            ) : (
              <div className="current none" data-testid={`current-${t.tier}`}>
                nothing published
              </div>
            )}
            {t.openRollout && (
              <div
                className={`tier-rollout ${t.openRollout.status}`}
                role="status"
                data-testid={`open-rollout-${t.tier}`}
                data-status={t.openRollout.status}
              >
                <strong>
                  {t.openRollout.status === 'paused' ? 'Rollout paused' : 'Rolling out'} {t.openRollout.versionString}
                </strong>
                {/* The phase message has the progress ("canary active: 3 of 40 nodes updated"). */}
                <span className="rollout-phase">{localizeTimes(t.openRollout.phaseMessage)}</span>{' '}
                <NavLink to="/rollouts">Open Rollouts</NavLink>
              </div>
            )}
            <div className="muted">
              canary {t.canaryPercentage} %, cohorts {t.cohortPercentage} %, every {t.cohortDelayHours} h
            </div>
            {t.rolledBack && (
              // The chain still points at it (it has nothing earlier to point at): only the rollout knows.
              <div className="rolled-back-note" role="status" data-testid={`rolled-back-${t.tier}`}>
                <strong>{t.rolledBack.version} was rolled back</strong>
                <p>{t.rolledBack.message}</p>
              </div>
            )}
            {canPublish && t.currentVersionId && t.currentVersionId > 1 && (
              <Button
                theme="error tertiary small"
                disabled={stale}
                data-testid={`rollback-${t.tier}`}
                onClick={() => setRollbackTier(t)}
              >
                Emergency rollback…
              </Button>
            )}
          </div>
        ))}
      </section>
      {pending.length > 0 && (
        <section className="pending-approvals" data-testid="pending-approvals">
          <h2>Waiting for a second approver</h2>
          <ul>
            {pending.map((a) => (
              <li key={a.id} data-testid="pending-approval" data-kind={a.kind} data-version={a.versionString}>
                <span className="badge status-pending">waiting for approval</span> <strong>{a.summary}</strong>, requested
                by {a.requestedBy} {formatRelative(a.requestedAt)}
              </li>
            ))}
          </ul>
          <NavLink to="/approvals">Open Approvals</NavLink>
        </section>
      )}
      {canPublish && <PublishForm disabled={stale} tiers={status?.tiers ?? []} onPublished={load} />}
      <section className="releases-list">
        <div className="list-header">
          <h2>Versions</h2>
          <Select
            label="Tier"
            value={tierFilter}
            items={[{ label: 'All tiers', value: 'ANY' }, ...TIERS.map((t) => ({ label: t, value: t }))]}
            onValueChanged={(e) => setTierFilter(e.detail.value)}
          />
        </div>
        {releases !== undefined && releases.length === 0 ? (
          <div className="empty-state" data-testid="releases-empty">
            <h2>{tierFilter === 'ANY' ? 'No versions published yet' : `No ${tierFilter} versions published yet`}</h2>
            <p>
              Publish a version for a tier: it is recorded on the VersionBeacon and its rollout starts.
              {tierFilter !== 'ANY' && ' The list shows one tier: choose "All tiers" to see the others.'}
            </p>
          </div>
        ) : (
          // Related values share a column, one above the other, so the list fits a 1280 px desktop without
          // scrolling sideways; nothing is cut off (long versions, errors and names wrap).
          <Grid items={releases ?? []} allRowsVisible theme="compact" data-testid="releases-grid">
            <GridColumn header="Version" width="10rem" flexGrow={0}>
              {({ item }: { item: ReleaseView }) => (
                <span className="stack">
                  <span className="version-cell">
                    {item.versionString} {item.current && <span className="badge current-badge">current</span>}
                    {item.rolledBack && (
                      <span
                        className="badge status-failed"
                        title="Its rollout was rolled back"
                        data-testid={`rolled-back-badge-${item.tier}-${item.versionString}`}
                      >
                        rolled back
                      </span>
                    )}
                  </span>
                  <span className="secondary">{item.tier}</span>
                </span>
              )}
            </GridColumn>
            <GridColumn header="On-chain" width="7.5rem" flexGrow={0}>
              {({ item }: { item: ReleaseView }) => (
                <span className="stack">
                  <span>
                    <span className={`badge status-${item.status}`} title={item.error ?? ''} data-status={item.status} data-version={item.versionString}>
                      {item.status}
                    </span>
                  </span>
                  {item.versionId ? <span className="secondary">id {item.versionId}</span> : null}
                </span>
              )}
            </GridColumn>
            <GridColumn header="Transaction" width="11.5rem" flexGrow={0}>
              {({ item }: { item: ReleaseView }) => (
                // The block on a line of its own: hash and block number together are wider than a desktop leaves.
                <span className="tx-cell">
                  <code className="tx" title={item.txHash ?? ''} data-tx={item.txHash ?? ''} data-version={item.versionString}>
                    {short(item.txHash)}
                  </code>
                  {item.blockNumber ? <span className="tx-block">block {item.blockNumber}</span> : null}
                </span>
              )}
            </GridColumn>
            <GridColumn header="Digest" width="11.5rem" flexGrow={0}>
              {({ item }: { item: ReleaseView }) => <code title={item.imageDigest ?? ''}>{short(item.imageDigest)}</code>}
            </GridColumn>
            <GridColumn header="Error" width="6rem" flexGrow={1}>
              {({ item }: { item: ReleaseView }) => <span className="error-text">{item.error ?? ''}</span>}
            </GridColumn>
            <GridColumn header="When, by" width="11rem" flexGrow={0}>
              {({ item }: { item: ReleaseView }) => (
                <span className="stack">
                  <span>{formatRelative(item.time)}</span>
                  {item.createdBy && <span className="secondary">by {item.createdBy}</span>}
                </span>
              )}
            </GridColumn>
          </Grid>
        )}
      </section>
      {transactions.length > 0 && (
        <section className="transactions-list">
          <h2>Chain transactions</h2>
          <Grid items={transactions} allRowsVisible theme="compact" data-testid="transactions-grid">
            <GridColumn header="Kind" width="8.5rem" flexGrow={0}>
              {({ item }: { item: TransactionView }) => (
                <span className="stack">
                  <span>{item.kind}</span>
                  <span className="secondary">{item.tier}</span>
                </span>
              )}
            </GridColumn>
            <GridColumn header="Version" width="8rem" flexGrow={0}>
              {({ item }: { item: TransactionView }) => (
                <span className="version-cell">{item.versionString ?? item.detail ?? ''}</span>
              )}
            </GridColumn>
            <GridColumn header="Status" width="7rem" flexGrow={0}>
              {({ item }: { item: TransactionView }) => (
                <span className={`badge status-${item.status}`} title={item.error ?? ''}>
                  {item.status}
                </span>
              )}
            </GridColumn>
            <GridColumn header="Transaction" width="11.5rem" flexGrow={0}>
              {({ item }: { item: TransactionView }) => (
                <span className="tx-cell">
                  <code
                    title={item.txHash ?? ''}
                    data-kind={item.kind}
                    data-version={item.versionString ?? ''}
                    data-tx={item.txHash ?? ''}
                  >
                    {short(item.txHash)}
                  </code>
                  {item.blockNumber ? <span className="tx-block">block {item.blockNumber}</span> : null}
                </span>
              )}
            </GridColumn>
            <GridColumn header="Error" width="6rem" flexGrow={1}>
              {({ item }: { item: TransactionView }) => <span className="error-text">{item.error ?? ''}</span>}
            </GridColumn>
            <GridColumn header="When, by" width="11rem" flexGrow={0}>
              {({ item }: { item: TransactionView }) => (
                <span className="stack">
                  <span title={whenTitle(item)} data-testid="transaction-when">
                    {formatRelative(item.createdAt)}
                    {sentLater(item) ? ` · sent ${formatRelative(item.sentAt)}` : ''}
                  </span>
                  {item.createdBy && <span className="secondary">by {item.createdBy}</span>}
                </span>
              )}
            </GridColumn>
          </Grid>
        </section>
      )}
      <RollbackDialog tier={rollbackTier} onClose={() => setRollbackTier(undefined)} onDone={load} />
    </main>
  );
}

function ChainBanner({ status }: { status: BeaconStatusView }) {
  if (status.status === 'stale') {
    return (
      <div className="chain-banner stale" role="alert" data-testid="chain-status">
        <strong>Chain unreachable</strong> since {formatRelative(status.staleSince!)} ({status.rpcUrl}). Showing the
        last indexed state (block {status.lastIndexedBlock}); publishing and rollback are refused until it is back.
      </div>
    );
  }
  return (
    <div className="chain-banner" data-testid="chain-status" data-status={status.status}>
      Chain {status.chainId}
      {status.embedded ? ' (local)' : ''} · VersionBeacon <code>{status.contractAddress}</code> · block{' '}
      {status.headBlock}, indexed {status.lastIndexedBlock} · <strong>{status.status}</strong>
    </div>
  );
}

type PublishFormProps = { disabled: boolean; tiers: TierView[]; onPublished: () => Promise<void> };

/** The publish form's labels by request property, to name a field in a server's validation error. */
const PUBLISH_LABELS: Record<string, string> = {
  tier: 'Tier',
  versionString: 'Version',
  imageRef: 'Image',
  imageDigest: 'Image digest',
  configHash: 'Config hash',
};

/** "Image: must be …" for each field the server refused (its messages name the property and the rule). */
function validationSummary(e: EndpointValidationError) {
  return e.validationErrorData
    .map((d) => {
      const found = /has invalid property '(.+?)' with value '.*', validation error: '(.+)'/su.exec(d.message);
      const property = (found?.[1] ?? d.parameterName ?? '').replace(/^request\./u, '');
      return `${PUBLISH_LABELS[property] ?? property}: ${found?.[2] ?? d.message}`;
    })
    .join('; ');
}

/** An empty form after a publish: no tier chosen (a reset would show the enum's first value, ALL, chosen). */
const EMPTY_RELEASE: ReleaseRequest = { versionString: '', imageRef: '', imageDigest: '', configHash: '' };

function PublishForm({ disabled, tiers, onPublished }: PublishFormProps) {
  const messageId = useId();
  // The request the confirmation names; the form is only sent once it is confirmed.
  const [confirming, setConfirming] = useState<ReleaseRequest | undefined>();
  // What the version would move the tier down from (the server compares the versions), named in the confirmation.
  const [downgrade, setDowngrade] = useState<Downgrade | undefined>();
  const { model, field, submit, submitting, read, validate, value } = useForm(ReleaseRequestModel, {
    onSubmit: async (request) => {
      try {
        const outcome = await ReleasesService.publish(request);
        const sent = outcome.transaction;
        if (outcome.approval) {
          const a = outcome.approval;
          Notification.show(
            `Waiting for a second approver: ${a.summary} is held by the two-person rule. A different release manager or admin approves it on the Approvals screen; nothing is on-chain yet.`,
            { theme: 'contrast', duration: 10000 },
          );
        } else if (sent) {
          Notification.show(
            `Publish of ${sent.tier} ${sent.versionString} sent (tx ${short(sent.txHash)}). Its rollout starts once it is confirmed on-chain.`,
            { theme: 'success', duration: 6000 },
          );
        }
        read(EMPTY_RELEASE);
        await onPublished();
      } catch (e) {
        if (e instanceof EndpointValidationError && e.validationErrorData.length > 0) {
          Notification.show(`Nothing was published: ${validationSummary(e)}. Correct the field and publish again.`, {
            theme: 'error',
            duration: 10000,
            position: 'bottom-end',
          });
          // The form shows each refusal under its field and keeps what was typed.
          throw e;
        }
        Notification.show(`Publish failed: ${errorText(e)}`, { theme: 'error', duration: 10000, position: 'bottom-end' });
      }
    },
  });
  const twoPersonTiers = tiers.filter((t) => t.twoPersonRule).map((t) => t.tier);
  const needsApproval = value.tier !== undefined && twoPersonTiers.includes(value.tier);
  // A tier whose rollout is still open refuses a publish: say so before anything is typed or confirmed.
  const openRollout = tiers.find((t) => t.tier === value.tier)?.openRollout;
  const confirmingTier = tiers.find((t) => t.tier === confirming?.tier);
  const confirmingNeedsApproval = confirming?.tier !== undefined && twoPersonTiers.includes(confirming.tier);
  const publishDisabled = disabled || submitting || openRollout !== undefined;

  /** Invalid fields show their errors; only a valid request is confirmed and sent. */
  function requestPublish() {
    void validate().then(async (errors) => {
      if (errors.length > 0 || value.tier === undefined) return;
      const request = { ...value };
      try {
        setDowngrade((await ReleasesService.downgrade(value.tier, value.versionString)) ?? undefined);
      } catch (e) {
        Notification.show(`Could not check ${request.versionString} against the tier: ${errorText(e)}`, {
          theme: 'error',
          duration: 8000,
          position: 'bottom-end',
        });
        return;
      }
      setConfirming(request);
    });
  }

  // Enter in a field does what the button does: the confirmation comes first.
  const onEnter = useSubmitOnEnter(() => {
    if (!publishDisabled && confirming === undefined) requestPublish();
  });

  return (
    <section className="publish-form" data-testid="publish-form">
      <h2>Publish a version</h2>
      <div className="fields" onKeyDown={onEnter}>
        <Select
          label="Tier"
          placeholder="Choose a tier"
          items={TIERS.map((t) => ({ label: t, value: t }))}
          {...field(model.tier)}
        />
        <TextField label="Version" placeholder="1.4.2" {...field(model.versionString)} />
        <TextField label="Image" placeholder="registry.noderr.network/oracle:1.4.2" {...field(model.imageRef)} />
        <TextField label="Image digest" placeholder="sha256:…" {...field(model.imageDigest)} />
        <TextField label="Config hash" placeholder="0x…" {...field(model.configHash)} />
      </div>
      {needsApproval && (
        <p className="two-person-note" data-testid="publish-needs-approval">
          <span className="badge two-person-badge">needs a second approver</span> {value.tier} has the two-person rule:
          this publish waits until a different release manager or admin approves it.
        </p>
      )}
      {value.tier && openRollout && (
        <p className="rollout-open-note" role="alert" data-testid="publish-rollout-open">
          {value.tier} is still rolling out {openRollout.versionString}
          {openRollout.status === 'paused' ? ' (paused)' : ''}: a new version can be published once that rollout
          completes or is aborted on the <NavLink to="/rollouts">Rollouts</NavLink> screen.
        </p>
      )}
      <Button
        theme="primary"
        disabled={publishDisabled}
        onClick={requestPublish}
      >
        {submitting ? 'Sending…' : needsApproval ? 'Request publish' : 'Publish on-chain'}
      </Button>
      <ConfirmDialog
        header={
          confirming
            ? `${confirmingNeedsApproval ? 'Request publish of' : 'Publish'} ${confirming.tier} ${confirming.versionString}?`
            : ''
        }
        opened={confirming !== undefined}
        confirmText={
          confirmingNeedsApproval ? 'Request approval' : downgrade ? 'Publish lower version' : 'Publish now'
        }
        confirmTheme={downgrade ? 'error primary' : 'primary'}
        cancelButtonVisible
        accessibleDescriptionRef={messageId}
        onCancel={() => setConfirming(undefined)}
        onConfirm={() => {
          setConfirming(undefined);
          // The fields are valid (checked before the confirmation); a rejection here is already shown on them.
          submit().catch(() => undefined);
        }}
      >
        {confirming && downgrade && <DowngradeWarning downgrade={downgrade} />}
        <p className="m-0 publish-confirm-message" id={messageId} data-testid="publish-confirm-message">
          {confirming && (
            <>
              {confirming.tier} {confirming.versionString} runs <code>{confirming.imageRef}</code> (
              <code>{short(confirming.imageDigest)}</code>).{' '}
              {confirmingNeedsApproval
                ? 'Nothing is sent yet: a different release manager or admin approves it on the Approvals screen, then it is published on-chain and its rollout starts.'
                : 'This sends a transaction to the VersionBeacon. Once it is confirmed, the rollout starts: '}
              {!confirmingNeedsApproval &&
                (confirmingTier
                  ? `the canary (${confirmingTier.canaryPercentage} % of the tier's nodes) updates at once, then a cohort of ${confirmingTier.cohortPercentage} % every ${confirmingTier.cohortDelayHours} h while the previous one is healthy.`
                  : 'the canary updates at once, then the cohorts follow.')}{' '}
              {!confirmingNeedsApproval && 'A published version cannot be withdrawn; abort the rollout or roll back instead.'}
            </>
          )}
        </p>
      </ConfirmDialog>
    </section>
  );
}

function nodes(count: number) {
  return count === 1 ? '1 node' : `${count} nodes`;
}

/** The confirmation's warning before a publish below what the tier runs: a downgrade may be deliberate. */
function DowngradeWarning({ downgrade: d }: { downgrade: Downgrade }) {
  const published = d.currentVersion ? `its current version is ${d.currentVersion}` : undefined;
  const running = d.highestRunning
    ? `${nodes(d.nodesOnHighest)} ${d.nodesOnHighest === 1 ? 'runs' : 'run'} ${d.highestRunning}` +
      (d.nodesAbove > d.nodesOnHighest ? ` (${nodes(d.nodesAbove)} run a version above ${d.version})` : '')
    : undefined;
  return (
    <p className="downgrade-warning" role="alert" data-testid="publish-downgrade">
      <strong>
        {d.version} is lower than what {d.tier} runs:
      </strong>{' '}
      {[published, running].filter(Boolean).join('; ')}. Publishing it moves the tier down to {d.version}; go ahead
      only if that is what you mean.
    </p>
  );
}

type RollbackProps = {
  tier: TierView | undefined;
  onClose: () => void;
  onDone: () => Promise<void>;
};

/**
 * The versions a tier may roll back to: confirmed on-chain, earlier than its current version, and not rolled back
 * themselves (the server refuses those, rollback-target-rolled-back).
 */
function rollbackTargets(releases: ReleaseView[], tier: TierView) {
  return releases.filter(
    (r) =>
      r.tier === tier.tier &&
      r.status === 'confirmed' &&
      !r.rolledBack &&
      (r.versionId ?? 0) < (tier.currentVersionId ?? 0),
  );
}

function RollbackDialog({ tier, onClose, onDone }: RollbackProps) {
  const [versions, setVersions] = useState<ReleaseView[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [busy, setBusy] = useState(false);
  // The tier's name in any case confirms (the server compares it so too).
  const confirmed = tier !== undefined && confirmation.trim().toUpperCase() === tier.tier;
  const missing = [
    target === '' && versions !== undefined && versions.length > 0 ? 'choose the version to roll back to' : undefined,
    reason.trim() === '' ? 'give a reason' : undefined,
    confirmed ? undefined : `type ${tier?.tier ?? ''} to confirm`,
  ].filter((m): m is string => m !== undefined);
  const ready = tier !== undefined && target !== '' && reason.trim() !== '' && confirmed;

  // The choices are the tier's own versions, loaded when the dialog opens: the Versions list behind it may be
  // filtered to another tier.
  useEffect(() => {
    setVersions(undefined);
    setLoadError(undefined);
    if (!tier) return;
    let current = true;
    ReleasesService.releases(tier.tier).then(
      (list) => {
        if (!current) return;
        const targets = rollbackTargets(list, tier);
        setVersions(targets);
        // With one version to go back to, it is the choice.
        if (targets.length === 1) setTarget(targets[0].versionString);
      },
      (e: unknown) => {
        if (current) setLoadError(errorText(e));
      },
    );
    return () => {
      current = false;
    };
  }, [tier, attempt]);

  function close() {
    setTarget('');
    setReason('');
    setConfirmation('');
    onClose();
  }

  async function rollBack() {
    if (!tier) return;
    setBusy(true);
    try {
      const outcome = await ReleasesService.emergencyRollback(tier.tier, target, reason, confirmation);
      const rollout = outcome.rollout;
      if (outcome.approval) {
        Notification.show(
          `Waiting for a second approver: ${outcome.approval.summary} is held by the two-person rule. A different release manager or admin approves it on the Approvals screen; nothing has changed yet.`,
          { theme: 'contrast', duration: 10000 },
        );
      } else if (rollout) {
        // The phase, not the status: a completed rollout an emergency rollback withdrew keeps status completed.
        Notification.show(`${tier.tier} rolled back to ${target} on-chain; rollout ${rollout.versionString} is ${String(rollout.phase).replaceAll('_', ' ')}.`, {
          theme: 'success',
          duration: 8000,
        });
      }
      close();
    } catch (e) {
      Notification.show(`Rollback failed: ${errorText(e)}`, { theme: 'error', duration: 10000, position: 'bottom-end' });
    } finally {
      setBusy(false);
      await onDone();
    }
  }

  // Enter in the confirmation field rolls back once everything is filled in (typing the tier's name is the
  // deliberate step); a stray Escape does not throw away what was typed: Cancel closes.
  const onEnter = useSubmitOnEnter(() => {
    if (ready && !busy) void rollBack();
  });

  return (
    <Dialog
      headerTitle={tier ? `Emergency rollback of ${tier.tier}` : ''}
      opened={tier !== undefined}
      noCloseOnEsc
      onOpenedChanged={(e) => {
        if (!e.detail.value) close();
      }}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button theme="error primary" disabled={!ready || busy} onClick={() => void rollBack()}>
            {busy ? 'Rolling back…' : tier?.twoPersonRule ? 'Request rollback' : 'Roll back now'}
          </Button>
        </>
      }
    >
      <div className="rollback-form" data-testid="rollback-dialog">
        <p>
          Every {tier?.tier} node not on the chosen version is told to switch to it at emergency priority, and the
          VersionBeacon points back at it.
        </p>
        {tier?.twoPersonRule && (
          <p className="two-person-note" data-testid="rollback-needs-approval">
            <span className="badge two-person-badge">needs a second approver</span> {tier.tier} has the two-person rule:
            the rollback waits until a different release manager or admin approves it.
          </p>
        )}
        {loadError !== undefined ? (
          <div className="rollback-versions-error" role="alert" data-testid="rollback-versions-error">
            <p className="error-text">
              The {tier?.tier} versions could not be loaded: {loadError}
            </p>
            <Button onClick={() => setAttempt((a) => a + 1)}>Try again</Button>
          </div>
        ) : versions === undefined ? (
          <div className="rollback-versions-loading" role="status" data-testid="rollback-versions-loading">
            Loading the {tier?.tier} versions…
            <ProgressBar indeterminate aria-label={`Loading the ${tier?.tier ?? ''} versions`} />
          </div>
        ) : versions.length === 0 ? (
          <p className="rollback-no-versions" role="alert" data-testid="rollback-no-versions">
            <strong>Nothing to roll back to:</strong> no {tier?.tier} version earlier than the current one is confirmed
            on-chain. To stop more nodes from updating, pause or abort the tier's rollout on the Rollouts screen.
          </p>
        ) : (
          <Select
            label="Roll back to"
            items={versions.map((v) => ({ label: `${v.versionString} (id ${v.versionId})`, value: v.versionString }))}
            value={target}
            onValueChanged={(e) => setTarget(e.detail.value)}
          />
        )}
        <TextArea label="Reason" value={reason} onValueChanged={(e) => setReason(e.detail.value)} maxlength={1000} />
        <TextField
          label={`Type ${tier?.tier ?? ''} to confirm`}
          value={confirmation}
          onValueChanged={(e) => setConfirmation(e.detail.value)}
          onKeyDown={onEnter}
        />
        {versions !== undefined && versions.length > 0 && missing.length > 0 && (
          <p className="rollback-missing muted" data-testid="rollback-missing">
            To roll back, {missing.join(', ')}.
          </p>
        )}
      </div>
    </Dialog>
  );
}
