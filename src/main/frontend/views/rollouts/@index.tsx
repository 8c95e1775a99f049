import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { ConfirmDialog, type ConfirmDialogElement } from '@vaadin/react-components/ConfirmDialog.js';
import { Details } from '@vaadin/react-components/Details.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { ProgressBar } from '@vaadin/react-components/ProgressBar.js';
import { TextField, type TextFieldElement } from '@vaadin/react-components/TextField.js';
import { useAuth } from 'Frontend/auth';
import { useSubmitOnEnter } from 'Frontend/components/errors';
import { useLiveRefresh } from 'Frontend/components/live';
import { cohortBarLabel, cohortBarValue, cohortFigures, emptyCanaryWarning } from 'Frontend/components/cohorts';
import { formatDateTime, formatRelative, localizeTimes, useAgesCounting } from 'Frontend/components/time';
import { RolloutsService } from 'Frontend/generated/endpoints';
import LiveTopic from 'Frontend/generated/network/noderr/controlplane/live/LiveTopic';
import type RolloutView from 'Frontend/generated/network/noderr/controlplane/rollouts/RolloutView';
import type CohortProgress from 'Frontend/generated/network/noderr/controlplane/rollouts/CohortProgress';
import type RolloutHistory from 'Frontend/generated/network/noderr/controlplane/rollouts/RolloutHistory';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import './rollouts.css';

export const config: ViewConfig = {
  title: 'Rollouts',
  menu: { order: 4, icon: 'vaadin:rocket' },
  rolesAllowed: ['VIEWER'],
};

const TOPICS = [LiveTopic.ROLLOUTS];
const REFRESH_MIN_MS = 2000;
/** Finished rollouts shown at first (and kept live), and how many more each "Show older" adds (server: at most 200). */
const FINISHED_PAGE = 20;
const OLDER_PAGE = 50;

/**
 * The newest finished rollouts followed by those already shown that are older: a refresh updates the newest and
 * never drops a row a person paged to (rollouts only ever join the finished list, at its newest end).
 */
function mergeFinished(newest: RolloutView[], shown: RolloutView[]): RolloutView[] {
  const ids = new Set(newest.map((r) => r.id));
  return [...newest, ...shown.filter((r) => !ids.has(r.id))];
}

/** A share from 0 to 1 as a percentage for text (0.05 → "5"). */
/** The registry with the cohort's active nodes on the rollout's version that are unhealthy (what the cohort counts). */
function unhealthyNodesLink(r: RolloutView, c: CohortProgress): string {
  const filters = { tier: r.tier, cohort: c.cohort, version: r.versionString, health: 'unhealthy', status: 'ACTIVE' };
  return `/nodes?${new URLSearchParams(filters).toString()}`;
}

function share(ratio: number): string {
  return String(Math.round(ratio * 1000) / 10);
}

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

type Action = 'pause' | 'abort' | 'promote';

const ACTIONS: Record<Action, { title: string; confirm: string; theme: string }> = {
  pause: { title: 'Pause', confirm: 'Pause rollout', theme: 'primary' },
  abort: { title: 'Abort', confirm: 'Abort rollout', theme: 'error primary' },
  promote: { title: 'Promote', confirm: 'Promote now', theme: 'primary' },
};

/** The cohort a promote activates and the last active one, whose health gate it skips. */
function promotion(r: RolloutView): { next?: CohortProgress; gate?: CohortProgress } {
  const index = r.cohorts.findIndex((c) => !c.active);
  return index < 0 ? {} : { next: r.cohorts[index], gate: index > 0 ? r.cohorts[index - 1] : undefined };
}

/** What a promote did: the cohort that became active, and when its nodes update (a paused rollout: after Resume). */
function promotedMessage(r: RolloutView): string {
  const cohort = r.cohorts.filter((c) => c.active).at(-1)?.cohort ?? 'the next cohort';
  const rollout = `${r.tier} ${r.versionString}`;
  return r.status === 'paused'
    ? `Promoted: ${cohort} of ${rollout} is active. The rollout is still paused: its nodes update after Resume.`
    : `Promoted: ${cohort} of ${rollout} is active; its nodes update now.`;
}

function PromoteMessage({ rollout }: { rollout: RolloutView }) {
  const { next, gate } = promotion(rollout);
  if (!next) return <>Every cohort is already active.</>;
  return (
    <>
      {rollout.status === 'paused' && (
        <>
          <strong>The rollout stays paused:</strong> {next.cohort} is activated now, and its nodes start updating when
          you resume.{' '}
        </>
      )}
      <strong>{next.cohort}</strong> becomes active now: its {next.nodes} nodes start updating to{' '}
      {rollout.versionString} without waiting for its delay.{' '}
      {gate && (
        <>
          <strong>Its health gate is skipped:</strong> {next.cohort} starts even if {gate.cohort} is not healthy (
          {gate.cohort} now: {gate.updated} / {gate.nodes} updated, {gate.unhealthy} unhealthy, {gate.failed} failed).{' '}
        </>
      )}
      Later cohorts keep their delay and health gate.
    </>
  );
}

export default function RolloutsView() {
  useAgesCounting();
  const { state } = useAuth();
  const canDeploy = state.user?.roles.includes('RELEASE_MANAGER') ?? false;
  const [history, setHistory] = useState<RolloutHistory | undefined>(undefined);
  // Every finished rollout shown, newest first: the live newest page plus the older pages loaded on request.
  const [finished, setFinished] = useState<RolloutView[]>([]);
  const [olderLoading, setOlderLoading] = useState(false);
  const [olderError, setOlderError] = useState<string | undefined>(undefined);
  const loads = useRef(0);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [confirm, setConfirm] = useState<{ rollout: RolloutView; action: Action } | undefined>();
  const [reason, setReason] = useState('');
  const reasonRef = useRef<TextFieldElement | null>(null);
  const messageId = useId();

  const load = useCallback(async () => {
    // An action's reload and a live one can overlap: only the answer to the latest request is shown.
    const sequence = ++loads.current;
    try {
      const answer = await RolloutsService.list(undefined, FINISHED_PAGE);
      if (sequence === loads.current) {
        setHistory(answer);
        setFinished((shown) => mergeFinished(answer.finished, shown));
      }
    } catch (e) {
      Notification.show(`Could not load rollouts: ${errorText(e)}`, { theme: 'error', duration: 6000 });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  // Rollout changes show at once; cohort counts that move with node reports at most every few seconds.
  useLiveRefresh(load, TOPICS, { minIntervalMs: REFRESH_MIN_MS });

  /** Runs an action; true when it succeeded. */
  async function act(
    id: string,
    label: string,
    action: () => Promise<RolloutView>,
    done: (updated: RolloutView) => string,
  ): Promise<boolean> {
    setBusy(id);
    try {
      const updated = await action();
      Notification.show(done(updated), { theme: 'success' });
      return true;
    } catch (e) {
      Notification.show(`${label} failed: ${errorText(e)}`, { theme: 'error', duration: 8000, position: 'bottom-end' });
      return false;
    } finally {
      setBusy(undefined);
      await load();
    }
  }

  /** Appends the next older page of finished rollouts (after the oldest shown). */
  async function loadOlder() {
    const oldest = finished.at(-1);
    if (!oldest) return;
    setOlderLoading(true);
    setOlderError(undefined);
    try {
      const page = await RolloutsService.olderFinished(undefined, oldest.id, OLDER_PAGE);
      setFinished((shown) => mergeFinished(shown, page.rollouts));
    } catch (e) {
      setOlderError(errorText(e));
    } finally {
      setOlderLoading(false);
    }
  }

  const open = history?.open ?? [];
  const finishedTotal = history?.finishedTotal ?? 0;
  const rollouts = history ? [...open, ...finished] : undefined;

  function confirmAction() {
    const c = confirm;
    if (!c) return;
    setConfirm(undefined);
    const why = reason.trim() || undefined;
    const id = c.rollout.id;
    // The cohort the message named (from the live rollout): the server refuses if another is next by now.
    const expected = promotion(rollouts?.find((r) => r.id === id) ?? c.rollout).next?.cohort;
    void (
      c.action === 'promote'
        ? act(id, 'Promoted', () => RolloutsService.promote(id, expected), promotedMessage)
        : c.action === 'abort'
          ? act(
              id,
              'Aborted',
              () => RolloutsService.abort(id, why),
              (u) => `Aborted: ${u.tier} ${u.versionString} goes to no more nodes.`,
            )
          : act(
              id,
              'Paused',
              () => RolloutsService.pause(id, why),
              (u) => `Paused: no more nodes of ${u.tier} get ${u.versionString} until it is resumed.`,
            )
    ).then((done) => {
      if (done) {
        setReason('');
      } else {
        setConfirm(c); // nothing lost: the dialog is back with the reason typed, to try again or cancel
      }
    });
  }

  const onEnter = useSubmitOnEnter(confirmAction);

  // The dialog focuses its confirm button once it has opened; a pause or abort is about its reason: focus that then.
  const dialogRef = useRef<ConfirmDialogElement | null>(null);
  useEffect(() => {
    const root = dialogRef.current?.shadowRoot;
    if (!root) return undefined;
    const focusReason = () => reasonRef.current?.focus();
    root.addEventListener('vaadin-overlay-open', focusReason);
    return () => root.removeEventListener('vaadin-overlay-open', focusReason);
  }, []);

  return (
    <main className="view rollouts-view">
      {rollouts !== undefined && rollouts.length === 0 && (
        <div className="empty-state" data-testid="rollouts-empty">
          <h2>No rollouts yet</h2>
          <p>Publishing a release for a tier starts its rollout: the canary first, then four cohorts.</p>
        </div>
      )}
      {rollouts !== undefined && rollouts.length > 0 && open.length === 0 && (
        <p className="text-secondary" role="status" data-testid="rollouts-none-open">
          No rollout is in progress. Publishing a release for a tier starts its next one.
        </p>
      )}
      {open.map((r) => (
        <RolloutCard
          key={r.id}
          rollout={r}
          canDeploy={canDeploy}
          busy={busy === r.id}
          onResume={() =>
            act(
              r.id,
              'Resumed',
              () => RolloutsService.resume(r.id),
              (u) => `Resumed: ${u.tier} ${u.versionString} goes on updating (${u.phase} active).`,
            )
          }
          onPromote={() => setConfirm({ rollout: r, action: 'promote' })}
          onPause={() => setConfirm({ rollout: r, action: 'pause' })}
          onAbort={() => setConfirm({ rollout: r, action: 'abort' })}
        />
      ))}
      {finished.length > 0 && (
        <Details
          summary={`Finished rollouts (${finishedTotal})`}
          opened={open.length === 0}
          data-testid="finished-rollouts"
        >
          {finished.map((r) => (
            <RolloutCard key={r.id} rollout={r} canDeploy={false} busy={false} />
          ))}
          {finished.length < finishedTotal && (
            <div className="older-rollouts">
              <Button data-testid="rollouts-show-older" disabled={olderLoading} onClick={() => void loadOlder()}>
                {olderLoading
                  ? 'Loading older rollouts…'
                  : `Show older (${Math.min(OLDER_PAGE, finishedTotal - finished.length)} of ${
                      finishedTotal - finished.length
                    } more)`}
              </Button>
              {olderLoading && (
                <ProgressBar indeterminate aria-label="Loading older rollouts" data-testid="rollouts-older-progress" />
              )}
              {olderError && (
                <p className="older-rollouts-error text-s" role="alert" data-testid="rollouts-older-error">
                  Could not load older rollouts: {olderError}. Try again with Show older; if it keeps failing, reload
                  the page.
                </p>
              )}
            </div>
          )}
        </Details>
      )}
      <ConfirmDialog
        header={
          confirm ? `${ACTIONS[confirm.action].title} ${confirm.rollout.tier} ${confirm.rollout.versionString}?` : ''
        }
        opened={confirm !== undefined}
        confirmText={confirm ? ACTIONS[confirm.action].confirm : ''}
        confirmTheme={confirm ? ACTIONS[confirm.action].theme : 'primary'}
        cancelButtonVisible
        accessibleDescriptionRef={messageId}
        onCancel={() => {
          setConfirm(undefined);
          setReason('');
        }}
        onConfirm={confirmAction}
        // A reason being typed is not thrown away by a stray Escape: Cancel closes (and discards it).
        noCloseOnEsc={confirm?.action !== 'promote'}
        ref={dialogRef}
      >
        <p className="m-0" id={messageId} data-testid="confirm-message">

          {confirm?.action === 'promote' ? (
            // The live rollout: the cohort named is the one a promote activates now, even if the clock moved on.
            <PromoteMessage rollout={rollouts?.find((r) => r.id === confirm.rollout.id) ?? confirm.rollout} />
          ) : confirm?.action === 'abort' ? (
            'Aborting is final: no more nodes update; nodes keep what they run.'
          ) : (
            'Pausing stops the activation clock; no node gets a new update until you resume.'
          )}
        </p>
        {confirm?.action !== 'promote' && (
          <TextField
            ref={reasonRef}
            label="Reason (shown in the timeline)"
            helperText="Enter confirms"
            onKeyDown={onEnter}
            value={reason}
            style={{ width: '100%' }}
            onValueChanged={(e) => setReason(e.detail.value)}
          />
        )}
      </ConfirmDialog>
    </main>
  );
}

/**
 * When the next cohort starts by itself: at its time on the rollout's clock, once the cohort before it passes its
 * health gate; Promote starts it now.
 */
function NextCohort({ rollout: r, dueAt, canPromote }: { rollout: RolloutView; dueAt: string; canPromote: boolean }) {
  const active = r.cohorts.filter((c) => c.active);
  const next = r.cohorts[active.length]?.cohort ?? 'the next cohort';
  const previous = active.at(-1)?.cohort ?? 'the previous cohort';
  const gate = `${previous} has ${share(r.gateMinUpdatedRatio)}% of its nodes updated`;
  return (
    <span className="text-secondary text-s" data-testid="next-cohort-due">
      {new Date(dueAt).getTime() > Date.now() ? (
        <>
          {next} starts by itself <span title={formatDateTime(dueAt)}>{formatRelative(dueAt)}</span> if {gate}
          {canPromote && ', or now with Promote'}
        </>
      ) : (
        <>
          {next} is due: it starts once {gate}
          {canPromote && ', or now with Promote'}
        </>
      )}
    </span>
  );
}

type CardProps = {
  rollout: RolloutView;
  canDeploy: boolean;
  busy: boolean;
  onPause?: () => void;
  onResume?: () => void;
  onPromote?: () => void;
  onAbort?: () => void;
};

function RolloutCard({ rollout: r, canDeploy, busy, onPause, onResume, onPromote, onAbort }: CardProps) {
  const allActive = r.cohorts.every((c) => c.active);
  const emptyCanary = emptyCanaryWarning(r);
  return (
    <section className="rollout-card" aria-label={`Rollout ${r.tier} ${r.versionString}`} data-testid="rollout-card">
      <header className="flex items-center gap-m flex-wrap">
        <h2 className="m-0">
          {r.tier} {r.versionString}
        </h2>
        <span className={`phase-badge phase-${r.phase}`} data-testid="rollout-phase">
          {r.phase.replace('_', ' ')}
        </span>
        <span className="text-secondary text-s">
          started <span data-testid="rollout-started">{formatRelative(r.startedAt)}</span> · canary {r.canaryPercentage}% · cohorts {r.cohortPercentage}% every{' '}
          {r.cohortDelayHours} h
        </span>
        {r.completedAt ? (
          <span className="text-secondary text-s" data-testid="rollout-finished">
            finished <span title={formatDateTime(r.completedAt)}>{formatRelative(r.completedAt)}</span>
          </span>
        ) : (
          <span className="text-secondary text-s" data-testid="rollout-limits">
            rolls back above {share(r.maxUnhealthyRatio)}% unhealthy or {share(r.maxErrorRate)}% failed updates when
            at least {r.minSample} {r.minSample === 1 ? 'node' : 'nodes'} of {r.minOperators}{' '}
            {r.minOperators === 1 ? 'operator back' : 'operators back'} it (fewer pause it) · next cohort at{' '}
            {share(r.gateMinUpdatedRatio)}% updated
          </span>
        )}
        {r.nextCohortDueAt && <NextCohort rollout={r} dueAt={r.nextCohortDueAt} canPromote={canDeploy} />}
        {canDeploy && (
          <div className="ms-auto flex gap-s">
            {(r.status === 'active' || r.status === 'paused') && (
              <Button disabled={busy || allActive} onClick={onPromote}>
                Promote next cohort…
              </Button>
            )}
            {r.status === 'active' && (
              <Button disabled={busy} onClick={onPause}>
                Pause…
              </Button>
            )}
            {r.status === 'paused' && (
              <Button theme="primary" disabled={busy} onClick={onResume}>
                Resume
              </Button>
            )}
            <Button theme="error" disabled={busy} onClick={onAbort}>
              Abort…
            </Button>
          </div>
        )}
      </header>
      <p className="phase-message" data-testid="rollout-message">
        {localizeTimes(r.phaseMessage)}
      </p>
      {!r.countsRecorded && (
        <p className="text-secondary text-s" data-testid="counts-not-recorded">
          Counts not recorded: this rollout finished before final counts were kept.
        </p>
      )}
      {emptyCanary && (
        <p className="empty-canary text-s" role="note" data-testid="empty-canary">
          {emptyCanary}
        </p>
      )}
      <div className="cohorts">
        {r.cohorts.map((c) => (
          <div key={c.cohort} className={`cohort ${c.active ? 'active' : 'waiting'}`} data-testid={`cohort-${c.cohort}`}>
            {/* Label and figures apart: side by side when they fit, the figures on their own line when not. */}
            <div className="cohort-head text-s">
              <strong className="cohort-label">{c.cohort}</strong>
              <span className="cohort-figures">{cohortFigures(c, ' updated')}</span>
            </div>
            <ProgressBar
              value={cohortBarValue(c)}
              aria-label={cohortBarLabel(r, c)}
            />
            {/* Breaks between the counts, never inside one ("0 / failed"). */}
            <div className="text-xs text-secondary">
              <span className="whitespace-nowrap">{c.healthy} healthy</span> ·{' '}
              <span className="whitespace-nowrap">
                {c.unhealthy > 0 ? (
                  // The nodes themselves, each with why it is unhealthy on its details.
                  <Link
                    to={unhealthyNodesLink(r, c)}
                    data-testid="cohort-unhealthy-link"
                    title={`The ${c.cohort} nodes on ${r.versionString} that are unhealthy`}
                  >
                    {c.unhealthy} unhealthy
                  </Link>
                ) : (
                  `${c.unhealthy} unhealthy`
                )}
              </span>{' '}
              ·{' '}
              <span className="whitespace-nowrap">{c.failed} failed</span>
            </div>
          </div>
        ))}
      </div>
      <Details summary="Timeline">
        <ol className="timeline">
          {r.timeline.map((e, i) => (
            <li key={i}>
              <span className="text-secondary">{formatDateTime(e.at)}</span> — {e.event}{' '}
              <span className="text-secondary">({e.actor})</span>
            </li>
          ))}
        </ol>
      </Details>
    </section>
  );
}
