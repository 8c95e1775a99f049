import { Notification } from '@vaadin/react-components/Notification.js';
import { ProgressBar } from '@vaadin/react-components/ProgressBar.js';
import { healthColors, seriesColors } from 'Frontend/components/charts';
import { useLiveRefresh } from 'Frontend/components/live';
import { cohortBarLabel, cohortBarValue, cohortFigures, emptyCanaryWarning } from 'Frontend/components/cohorts';
import { formatRelative, localizeTimes, useAgesCounting } from 'Frontend/components/time';
import { OverviewService } from 'Frontend/generated/endpoints';
import type AlertView from 'Frontend/generated/network/noderr/controlplane/alerts/AlertView';
import LiveTopic from 'Frontend/generated/network/noderr/controlplane/live/LiveTopic';
import type Overview from 'Frontend/generated/network/noderr/controlplane/overview/Overview';
import type TierOverview from 'Frontend/generated/network/noderr/controlplane/overview/Overview/TierOverview';
import type RolloutView from 'Frontend/generated/network/noderr/controlplane/rollouts/RolloutView';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { Bar, Doughnut } from 'react-chartjs-2';
import { Link, useNavigate } from 'react-router';
import './overview.css';

const TOPICS = [LiveTopic.NODES, LiveTopic.ROLLOUTS, LiveTopic.ALERTS];

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

/** The registry filtered to what a chart element or count shows. */
function registryLink(filters: Record<string, string>) {
  return `/nodes?${new URLSearchParams(filters).toString()}`;
}

const HEALTH_FILTERS = ['healthy', 'degraded', 'unhealthy', 'unknown'];

/** The start page (loaded on demand by views/@index.tsx). */
export default function OverviewScreen() {
  useAgesCounting();
  const [overview, setOverview] = useState<Overview | undefined>(undefined);

  const load = useCallback(async () => {
    try {
      setOverview(await OverviewService.get());
    } catch (e) {
      Notification.show(`Could not load the overview: ${errorText(e)}. It refreshes by itself; reload the page if it stays empty.`, {
        theme: 'error',
        position: 'bottom-end',
        duration: 6000,
      });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useLiveRefresh(load, TOPICS);

  if (!overview) {
    return <main className="view overview-view" aria-busy="true" />;
  }
  const h = overview.health;
  return (
    <main className="view overview-view">
      <section className="stat-cards" aria-label="Fleet counts">
        <Stat id="nodes" label="Nodes" value={overview.totalNodes}>
          {overview.activeNodes.toLocaleString()} active · {overview.suspendedNodes.toLocaleString()} suspended
        </Stat>
        <Stat id="healthy" label="Healthy" value={h.healthy} tone="success" />
        <Stat id="degraded" label="Degraded" value={h.degraded} tone="warning" />
        <Stat id="unhealthy" label="Unhealthy" value={h.unhealthy} tone="error" />
        <Stat id="unknown" label="Never reported" value={h.unknown} />
        <Stat id="alerts" label="Firing alerts" value={overview.firingAlerts} tone={overview.firingAlerts > 0 ? 'error' : undefined}>
          <Link to="/alerts">Open alerts</Link>
        </Stat>
        <Stat id="rollouts" label="Rollouts in progress" value={overview.openRollouts.length}>
          <Link to="/rollouts">Open rollouts</Link>
        </Stat>
      </section>

      {overview.totalNodes === 0 ? (
        <div className="empty-state" data-testid="overview-empty">
          <h2>No nodes yet</h2>
          <p>
            Nodes join once an operator&apos;s application is approved and their installer registers the node. Review
            pending requests in <Link to="/applications">Applications</Link>.
          </p>
        </div>
      ) : (
        <>
          <section className="overview-panel" aria-labelledby="health-heading">
            <h2 id="health-heading">Health by tier</h2>
            <HealthChart tiers={overview.tiers} />
          </section>
          <section className="overview-panel" aria-labelledby="versions-heading">
            <h2 id="versions-heading">Versions by tier</h2>
            <div className="tier-versions">
              {overview.tiers.map((t) => (
                <VersionChart key={t.tier} tier={t} />
              ))}
            </div>
          </section>
        </>
      )}

      <div className="overview-columns">
        <section className="overview-panel" aria-labelledby="rollouts-heading" data-testid="overview-rollouts">
          <h2 id="rollouts-heading">
            Rollouts in progress <Link to="/rollouts" className="text-s">All rollouts</Link>
          </h2>
          {overview.openRollouts.length === 0 ? (
            <p className="text-secondary">No rollout is in progress. Publishing a release starts one.</p>
          ) : (
            overview.openRollouts.map((r) => <RolloutProgress key={r.id} rollout={r} />)
          )}
        </section>
        <section className="overview-panel" aria-labelledby="alerts-heading" data-testid="overview-alerts">
          <h2 id="alerts-heading">
            Recent alerts <Link to="/alerts" className="text-s">All alerts</Link>
          </h2>
          {overview.recentAlerts.length === 0 ? (
            <p className="text-secondary">No alerts. Nothing is firing.</p>
          ) : (
            <ul className="overview-alerts">
              {overview.recentAlerts.map((a) => (
                <AlertLine key={a.id} alert={a} />
              ))}
            </ul>
          )}
        </section>
      </div>
    </main>
  );
}

type StatProps = {
  id: string;
  label: string;
  value: number;
  tone?: 'success' | 'warning' | 'error';
  children?: ReactNode;
};

function Stat({ id, label, value, tone, children }: StatProps) {
  return (
    <div className={`stat-card ${tone ? `tone-${tone}` : ''}`} data-testid={`stat-${id}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value" data-testid={`stat-${id}-value`}>
        {value.toLocaleString()}
      </span>
      {children && <span className="stat-detail">{children}</span>}
    </div>
  );
}

function HealthChart({ tiers }: { tiers: TierOverview[] }) {
  const colors = healthColors();
  const navigate = useNavigate();
  const data = {
    labels: tiers.map((t) => t.tier),
    datasets: [
      { label: 'Healthy', data: tiers.map((t) => t.health.healthy), backgroundColor: colors.healthy },
      { label: 'Degraded', data: tiers.map((t) => t.health.degraded), backgroundColor: colors.degraded },
      { label: 'Unhealthy', data: tiers.map((t) => t.health.unhealthy), backgroundColor: colors.unhealthy },
      { label: 'Never reported', data: tiers.map((t) => t.health.unknown), backgroundColor: colors.unknown },
    ],
  };
  const summary = tiers
    .map(
      (t) =>
        `${t.tier}: ${t.health.healthy} healthy, ${t.health.degraded} degraded, ${t.health.unhealthy} unhealthy, ${t.health.unknown} never reported`,
    )
    .join('; ');
  return (
    <figure className="chart chart-wide" data-testid="health-chart" data-values={tiers.map((t) => t.nodes).join(',')}>
      <Bar
        data={data}
        role="img"
        aria-label={`Node health by tier. ${summary}`}
        options={{
          indexAxis: 'y',
          maintainAspectRatio: false,
          animation: false,
          // A bar opens the registry with that tier and health.
          onClick: (_event, elements) => {
            const hit = elements[0];
            if (hit) {
              navigate(
                registryLink({ tier: tiers[hit.index].tier, status: 'ACTIVE', health: HEALTH_FILTERS[hit.datasetIndex] }),
              );
            }
          },
          onHover: (event, elements) => {
            (event.native?.target as HTMLElement | undefined)?.style.setProperty(
              'cursor',
              elements.length > 0 ? 'pointer' : 'default',
            );
          },
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
          plugins: { legend: { position: 'bottom' } },
        }}
      />
    </figure>
  );
}

function VersionChart({ tier }: { tier: TierOverview }) {
  const navigate = useNavigate();
  const data = {
    labels: tier.versions.map((v) => v.label),
    datasets: [
      {
        label: `${tier.tier} nodes`,
        data: tier.versions.map((v) => v.nodes),
        backgroundColor: tier.versions.map((v, i) =>
          v.kind === 'NOT_REPORTED' ? '#d5dae0' : seriesColors[i % seriesColors.length],
        ),
      },
    ],
  };
  return (
    <figure className="chart tier-chart" data-testid={`versions-${tier.tier}`} data-nodes={tier.nodes}>
      <figcaption>
        <Link to={registryLink({ tier: tier.tier })} title={`Open the ${tier.tier} nodes in the registry`}>
          <strong>{tier.tier}</strong>
        </Link>{' '}
        <span className="text-secondary" data-testid={`tier-${tier.tier}-count`}>
          {tier.nodes.toLocaleString()} {tier.nodes === 1 ? 'node' : 'nodes'}
          {tier.suspended > 0 && ` · ${tier.suspended.toLocaleString()} suspended`}
        </span>
      </figcaption>
      {tier.nodes === 0 ? (
        <p className="text-secondary text-s">No nodes in this tier.</p>
      ) : (
        <div className="tier-chart-canvas">
          <Doughnut
            data={data}
            role="img"
            aria-label={`${tier.tier} versions: ${tier.versions.map((v) => `${v.label} ${v.nodes}`).join(', ')}`}
            options={{
              maintainAspectRatio: false,
              animation: false,
              plugins: { legend: { position: 'right' } },
              // A version's slice opens the registry with the tier's nodes on that version.
              onClick: (_event, elements) => {
                const version = elements[0] ? tier.versions[elements[0].index] : undefined;
                if (version?.kind === 'VERSION') {
                  navigate(registryLink({ tier: tier.tier, status: 'ACTIVE', version: version.label }));
                }
              },
              onHover: (event, elements) => {
                const version = elements[0] ? tier.versions[elements[0].index] : undefined;
                (event.native?.target as HTMLElement | undefined)?.style.setProperty(
                  'cursor',
                  version?.kind === 'VERSION' ? 'pointer' : 'default',
                );
              },
            }}
          />
        </div>
      )}
    </figure>
  );
}

function RolloutProgress({ rollout: r }: { rollout: RolloutView }) {
  const done = r.totalNodes === 0 ? 0 : r.updatedNodes / r.totalNodes;
  const emptyCanary = emptyCanaryWarning(r);
  return (
    <div className="overview-rollout" data-testid="overview-rollout" aria-label={`Rollout ${r.tier} ${r.versionString}`}>
      <div className="flex justify-between items-baseline gap-s">
        <strong>
          {r.tier} {r.versionString}
        </strong>
        <span className={`phase-badge phase-${r.phase}`}>{r.phase.replace('_', ' ')}</span>
      </div>
      <div className="text-s text-secondary">{localizeTimes(r.phaseMessage)}</div>
      <ProgressBar value={done} aria-label={`${r.tier} overall progress`} />
      {emptyCanary && (
        <div className="text-xs overview-empty-canary" role="note" data-testid="overview-empty-canary">
          {emptyCanary}
        </div>
      )}
      <div className="overview-cohorts">
        {r.cohorts.map((c) => (
          <div key={c.cohort} className={c.active ? '' : 'waiting'} data-testid={`overview-cohort-${c.cohort}`}>
            {/* The label above its figures: five cohorts share a half-width card. */}
            <div className="text-xs overview-cohort-head">
              <span className="cohort-label">{c.cohort}</span>
              <span className="cohort-figures">{cohortFigures(c)}</span>
            </div>
            <ProgressBar
              value={cohortBarValue(c)}
              aria-label={cohortBarLabel(r, c)}
            />
          </div>
        ))}
      </div>
    </div>
  );
}

function AlertLine({ alert: a }: { alert: AlertView }) {
  return (
    <li className={`status-${a.status}`} data-testid="overview-alert" data-status={a.status}>
      <Link to="/alerts" className="overview-alert-link">
        <span className={`severity-badge severity-${a.severity}`}>{a.severity}</span>
        <span className="overview-alert-name">
          <strong>{a.name}</strong> <span className="text-secondary text-s">({a.status})</span>
          {a.summary && <span className="overview-alert-summary">{a.summary}</span>}
        </span>
        <span className="text-xs text-secondary">{formatRelative(a.lastReceivedAt)}</span>
      </Link>
    </li>
  );
}
