import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { Checkbox } from '@vaadin/react-components/Checkbox.js';
import { ConfirmDialog } from '@vaadin/react-components/ConfirmDialog.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { TextArea } from '@vaadin/react-components/TextArea.js';
import { useAuth } from 'Frontend/auth';
import { formatRelative, useAgesCounting } from 'Frontend/components/time';
import { ApprovalsService, ReleasesService } from 'Frontend/generated/endpoints';
import type TransactionView from 'Frontend/generated/network/noderr/controlplane/beacon/TransactionView';
import ApprovalKind from 'Frontend/generated/network/noderr/controlplane/approvals/ApprovalKind';
import ApprovalStatus from 'Frontend/generated/network/noderr/controlplane/approvals/ApprovalStatus';
import type ApprovalView from 'Frontend/generated/network/noderr/controlplane/approvals/ApprovalView';
import type TwoPersonRuleView from 'Frontend/generated/network/noderr/controlplane/approvals/TwoPersonRuleView';
import type Tier from 'Frontend/generated/network/noderr/controlplane/shared/Tier';
import { useCallback, useEffect, useRef, useState } from 'react';
import './approvals.css';

export const config: ViewConfig = {
  title: 'Approvals',
  menu: { order: 5, icon: 'vaadin:handshake' },
  rolesAllowed: ['VIEWER'],
};

const REFRESH_MS = 5000;

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

/**
 * What an approved action did, as of now: a publish's result names its transaction and the status it had when it was
 * sent ("… transaction 0x… (pending)"); the transaction's current status (confirmed, with its block, or failed) replaces
 * it once the chain has settled it.
 */
function currentResult(result: string, transactions: Map<string, TransactionView>) {
  const sent = /transaction (0x[0-9a-fA-F]{64}) \((\w+)\)/u.exec(result);
  const now = sent ? transactions.get(sent[1].toLowerCase()) : undefined;
  if (!sent || !now) return result;
  const state = `${now.status}${now.blockNumber ? ` in block ${now.blockNumber}` : ''}${now.error ? `: ${now.error}` : ''}`;
  return result.replace(`(${sent[2]})`, `(${state})`);
}

/** "Approve and publish" / "Approve and roll back": what the approve button does, in its words. */
function actionText(a: ApprovalView) {
  return a.kind === ApprovalKind.PUBLISH ? 'Approve and publish' : 'Approve and roll back';
}

export default function ApprovalsView() {
  useAgesCounting();
  const { state } = useAuth();
  const me = state.user?.username ?? '';
  const canDecide = state.user?.roles.includes('RELEASE_MANAGER') ?? false;
  const isAdmin = state.user?.roles.includes('ADMIN') ?? false;
  const [approvals, setApprovals] = useState<ApprovalView[] | undefined>();
  const [rules, setRules] = useState<TwoPersonRuleView[]>([]);
  // The chain transactions by hash, to show an approved publish's transaction as it is now.
  const [transactions, setTransactions] = useState<Map<string, TransactionView>>(new Map());
  const [busy, setBusy] = useState<string | undefined>();
  const [approving, setApproving] = useState<ApprovalView | undefined>();
  const [rejecting, setRejecting] = useState<ApprovalView | undefined>();
  const [withdrawing, setWithdrawing] = useState<ApprovalView | undefined>();
  const [rejectReason, setRejectReason] = useState('');
  const [turningOff, setTurningOff] = useState<Tier | undefined>();
  // Remounts the checkboxes so that one the admin unticked shows the stored value again after a cancel or an error.
  const [ruleKey, setRuleKey] = useState(0);
  // The stored values, for the checkbox handler: a checkbox also reports the value React sets on it.
  const stored = useRef<Record<string, boolean>>({});

  const load = useCallback(async () => {
    try {
      const [a, r, t] = await Promise.all([
        ApprovalsService.list(undefined),
        ApprovalsService.rules(),
        ReleasesService.transactions(),
      ]);
      setApprovals(a);
      setRules(r);
      setTransactions(new Map(t.filter((x) => x.txHash).map((x) => [x.txHash!.toLowerCase(), x])));
      stored.current = Object.fromEntries(r.map((rule) => [rule.tier, rule.enabled]));
    } catch (e) {
      Notification.show(`Could not load approvals: ${errorText(e)}`, { theme: 'error', duration: 6000 });
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  async function act(a: ApprovalView, label: string, call: () => Promise<ApprovalView>, done: (r: ApprovalView) => string) {
    setBusy(a.id);
    try {
      const result = await call();
      Notification.show(done(result), { theme: 'success', duration: 8000 });
    } catch (e) {
      Notification.show(`${label} failed: ${errorText(e)}`, { theme: 'error', duration: 12000, position: 'bottom-end' });
    } finally {
      setBusy(undefined);
      await load();
    }
  }

  async function setRule(tier: Tier, enabled: boolean) {
    try {
      const r = await ApprovalsService.setRule(tier, enabled);
      Notification.show(`Two-person rule for ${r.tier} is now ${r.enabled ? 'on' : 'off'}.`, { theme: 'success' });
    } catch (e) {
      Notification.show(`Changing the rule failed: ${errorText(e)}`, { theme: 'error', duration: 8000 });
    } finally {
      await load();
      setRuleKey((k) => k + 1);
    }
  }

  const pending = (approvals ?? []).filter((a) => a.status === ApprovalStatus.PENDING);
  const decided = (approvals ?? []).filter((a) => a.status !== ApprovalStatus.PENDING);

  return (
    <main className="view approvals-view">
      <section className="rules" data-testid="two-person-rules">
        <h2>Two-person rule</h2>
        <p className="text-secondary text-s">
          For a tier with the rule on, publishing a release and an emergency rollback wait here until a second,
          different release manager or admin approves them.{!isAdmin && ' Only an admin changes these settings.'}
        </p>
        <div className="rule-list">
          {rules.map((r) => (
            <div key={r.tier} className="rule" data-testid={`rule-${r.tier}`} data-enabled={String(r.enabled)}>
              {isAdmin ? (
                <Checkbox
                  key={`${r.tier}-${ruleKey}`}
                  label={r.tier}
                  checked={r.enabled}
                  onCheckedChanged={(e) => {
                    if (e.detail.value === stored.current[r.tier]) return;
                    if (e.detail.value) {
                      void setRule(r.tier, true);
                    } else {
                      setTurningOff(r.tier);
                    }
                  }}
                />
              ) : (
                <strong>{r.tier}</strong>
              )}
              <span className={`badge ${r.enabled ? 'rule-on' : 'rule-off'}`}>{r.enabled ? 'on' : 'off'}</span>
              {r.updatedBy && (
                <span className="text-xs text-secondary">
                  changed by {r.updatedBy} {formatRelative(r.updatedAt)}
                </span>
              )}
            </div>
          ))}
        </div>
      </section>

      <section>
        <h2>Waiting for a second approver</h2>
        {approvals !== undefined && pending.length === 0 && (
          <div className="empty-state" data-testid="approvals-empty">
            <p>Nothing is waiting. Requests appear here when someone publishes or rolls back a tier with the rule on.</p>
          </div>
        )}
        <ul className="approval-list">
          {pending.map((a) => {
            const own = a.requestedBy.toLowerCase() === me.toLowerCase();
            return (
              <li key={a.id} className="approval-row" data-testid="approval" data-id={a.id} data-status={a.status}>
                <ApprovalDetails approval={a} transactions={transactions} />
                {canDecide && (
                  <div className="approval-actions">
                    {own && (
                      <span className="own-note text-s" data-testid="own-request-note">
                        You requested this: a second, different release manager or admin must approve it.
                      </span>
                    )}
                    <Button
                      theme="primary"
                      disabled={own || busy === a.id}
                      title={own ? 'You cannot approve your own request' : ''}
                      onClick={() => setApproving(a)}
                    >
                      Approve…
                    </Button>
                    {own ? (
                      <Button disabled={busy === a.id} onClick={() => setWithdrawing(a)}>
                        Cancel request…
                      </Button>
                    ) : (
                      <Button theme="error tertiary" disabled={busy === a.id} onClick={() => setRejecting(a)}>
                        Reject…
                      </Button>
                    )}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      </section>

      {decided.length > 0 && (
        <section>
          <h2>Recent decisions</h2>
          <ul className="approval-list">
            {decided.map((a) => (
              <li key={a.id} className="approval-row decided" data-testid="approval" data-id={a.id} data-status={a.status}>
                <ApprovalDetails approval={a} transactions={transactions} />
              </li>
            ))}
          </ul>
        </section>
      )}

      <ConfirmDialog
        header={approving ? `${actionText(approving)}?` : ''}
        opened={approving !== undefined}
        confirmText={approving ? actionText(approving) : 'Approve'}
        confirmTheme={approving?.kind === ApprovalKind.EMERGENCY_ROLLBACK ? 'error primary' : 'primary'}
        cancelButtonVisible
        onCancel={() => setApproving(undefined)}
        onConfirm={() => {
          const a = approving!;
          setApproving(undefined);
          void act(
            a,
            'Approving',
            () => ApprovalsService.approve(a.id),
            (r) =>
              `Approved ${r.summary}, requested by ${r.requestedBy}: done.` +
              (r.result ? ` ${r.result.replace(/(0x[0-9a-f]{10})[0-9a-f]{54}\b/giu, '$1…')}` : ''),
          );
        }}
      >
        {approving && (
          <div data-testid="approve-dialog">
            {approving.kind === ApprovalKind.PUBLISH ? (
              <>
                <p>
                  This publishes {approving.tier} {approving.versionString} on the VersionBeacon now, as requested by{' '}
                  {approving.requestedBy}; its rollout starts once the transaction is confirmed.
                </p>
                {approving.reason && (
                  <p className="approval-note" role="alert" data-testid="approve-dialog-note">
                    {approving.reason}
                  </p>
                )}
              </>
            ) : (
              <p>
                This rolls {approving.tier} back to {approving.versionString} on-chain now, as requested by{' '}
                {approving.requestedBy} ("{approving.reason}"); every {approving.tier} node is told to switch at
                emergency priority.
              </p>
            )}
          </div>
        )}
      </ConfirmDialog>

      <ConfirmDialog
        header={rejecting ? `Reject ${rejecting.summary}?` : ''}
        opened={rejecting !== undefined}
        confirmText="Reject request"
        confirmTheme="error primary"
        cancelButtonVisible
        // A stray Escape does not throw away a reason being typed: Cancel closes (and discards it).
        noCloseOnEsc
        onCancel={() => {
          setRejecting(undefined);
          setRejectReason('');
        }}
        onConfirm={() => {
          const a = rejecting!;
          const why = rejectReason;
          setRejecting(undefined);
          setRejectReason('');
          void act(a, 'Rejecting', () => ApprovalsService.reject(a.id, why), (r) => `Rejected: ${r.summary}.`);
        }}
      >
        <TextArea
          label="Reason (shown to the requester)"
          value={rejectReason}
          maxlength={1000}
          onValueChanged={(e) => setRejectReason(e.detail.value)}
          style={{ width: '100%' }}
        />
      </ConfirmDialog>

      <ConfirmDialog
        header={withdrawing ? `Cancel your request: ${withdrawing.summary}?` : ''}
        opened={withdrawing !== undefined}
        confirmText="Cancel request"
        confirmTheme="error primary"
        cancelText="Keep waiting"
        cancelButtonVisible
        onCancel={() => setWithdrawing(undefined)}
        onConfirm={() => {
          const a = withdrawing!;
          setWithdrawing(undefined);
          void act(a, 'Cancelling', () => ApprovalsService.cancel(a.id), (r) => `Request cancelled: ${r.summary}.`);
        }}
      >
        <div data-testid="cancel-request-dialog">
          Nothing is sent: the request leaves the list of waiting requests, and another approver can no longer approve
          it. To go ahead later, request it again.
        </div>
      </ConfirmDialog>

      <ConfirmDialog
        header={turningOff ? `Turn off the two-person rule for ${turningOff}?` : ''}
        opened={turningOff !== undefined}
        confirmText="Turn off"
        confirmTheme="error primary"
        cancelButtonVisible
        onCancel={() => {
          setTurningOff(undefined);
          setRuleKey((k) => k + 1);
        }}
        onConfirm={() => {
          const tier = turningOff!;
          setTurningOff(undefined);
          void setRule(tier, false);
        }}
      >
        Publishing and emergency rollback for {turningOff} will then take effect at once, with one person. Requests
        already waiting stay here until they are decided.
      </ConfirmDialog>
    </main>
  );
}

function ApprovalDetails({
  approval: a,
  transactions,
}: {
  approval: ApprovalView;
  transactions: Map<string, TransactionView>;
}) {
  return (
    <div className="approval-main">
      <div>
        <span className={`badge approval-${a.status.toLowerCase()}`} data-testid="approval-status">
          {a.status === ApprovalStatus.PENDING ? 'waiting for approval' : a.status.toLowerCase()}
        </span>{' '}
        <strong data-testid="approval-summary">{a.summary}</strong>
      </div>
      <div className="text-s">
        requested by <span data-testid="approval-requester">{a.requestedBy}</span> {formatRelative(a.requestedAt)}
        {a.status === ApprovalStatus.PENDING && <> · expires {formatRelative(a.expiresAt)}</>}
        {a.decidedBy && (
          <span data-testid="approval-decider">
            {' '}
            · {a.status === ApprovalStatus.CANCELLED ? 'cancelled' : 'decided'} by {a.decidedBy}{' '}
            {formatRelative(a.decidedAt)}
          </span>
        )}
      </div>
      <div className="text-xs text-secondary approval-payload">
        {a.kind === ApprovalKind.PUBLISH ? (
          <>
            image <code>{a.imageRef}</code> · digest <code title={a.imageDigest ?? ''}>{a.imageDigest}</code> · config{' '}
            <code>{a.configHash}</code>
            {a.reason && (
              <div className="approval-note" role="alert" data-testid="approval-note">
                {a.reason}
              </div>
            )}
          </>
        ) : (
          <>reason: {a.reason}</>
        )}
      </div>
      {a.decisionReason && <div className="text-s">Rejected because: {a.decisionReason}</div>}
      {a.result && (
        <div className="text-xs text-secondary" data-testid="approval-result">
          {currentResult(a.result, transactions)}
        </div>
      )}
      {a.error && <div className="error-text text-s">{a.error}</div>}
    </div>
  );
}
