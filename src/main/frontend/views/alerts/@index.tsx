import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { Select } from '@vaadin/react-components/Select.js';
import { useAuth } from 'Frontend/auth';
import { useLiveRefresh } from 'Frontend/components/live';
import { formatRelative, useAgesCounting } from 'Frontend/components/time';
import { useLoaded } from 'Frontend/components/useLoaded';
import { AlertsService } from 'Frontend/generated/endpoints';
import type AlertView from 'Frontend/generated/network/noderr/controlplane/alerts/AlertView';
import LiveTopic from 'Frontend/generated/network/noderr/controlplane/live/LiveTopic';
import { useCallback, useEffect, useState } from 'react';
import './alerts.css';

export const config: ViewConfig = {
  title: 'Alerts',
  menu: { order: 6, icon: 'vaadin:bell' },
  rolesAllowed: ['VIEWER'],
};

const TOPICS = [LiveTopic.ALERTS];

const statuses = [
  { label: 'Firing and resolved', value: 'all' },
  { label: 'Firing', value: 'firing' },
  { label: 'Resolved', value: 'resolved' },
];

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

export default function AlertsView() {
  useAgesCounting();
  const { state } = useAuth();
  const canAcknowledge = state.user?.roles.includes('RELEASE_MANAGER') ?? false;
  const [status, setStatus] = useState('all');
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const fetchAlerts = useCallback(() => AlertsService.list(status === 'all' ? undefined : status), [status]);
  const { data: alerts, error: loadError, reload: load } = useLoaded(fetchAlerts, 'Could not load alerts');
  useLiveRefresh(load, TOPICS);
  // With nothing listed: whether Alertmanager has sent anything at all (null: never, or only long-pruned alerts).
  const [lastFromAlertmanager, setLastFromAlertmanager] = useState<string | null | undefined>(undefined);
  const empty = alerts !== undefined && alerts.length === 0;
  useEffect(() => {
    if (!empty) return;
    AlertsService.lastFromAlertmanager().then(
      (at) => setLastFromAlertmanager(at ?? null),
      () => setLastFromAlertmanager(undefined),
    );
  }, [empty]);

  async function acknowledge(alert: AlertView) {
    setBusy(alert.id);
    try {
      const updated = await AlertsService.acknowledge(alert.id);
      Notification.show(
        updated.source === 'engine'
          ? `${updated.name} acknowledged and resolved.`
          : `${updated.name} acknowledged: others see that you are on it.`,
        { theme: 'success' },
      );
    } catch (e) {
      Notification.show(`Acknowledging failed: ${errorText(e)}`, { theme: 'error', duration: 8000 });
    } finally {
      setBusy(undefined);
      await load();
    }
  }

  return (
    <main className="view alerts-view">
      <div className="flex items-baseline gap-m">
        <Select
          label="Show"
          items={statuses}
          value={status}
          onValueChanged={(e) => setStatus(e.detail.value)}
          data-testid="alert-status-filter"
        />
        <span className="text-secondary text-s">
          From Alertmanager (Prometheus rules) and from the control plane itself; updates live.
        </span>
      </div>
      {loadError && (
        <div className="empty-state" role="alert" data-testid="alerts-error">
          <h2>The alerts could not be loaded</h2>
          <p>{loadError}</p>
          <Button onClick={() => void load()}>Try again</Button>
        </div>
      )}
      {alerts === undefined && !loadError && (
        <p className="text-secondary" aria-busy="true" data-testid="alerts-loading">
          Loading alerts…
        </p>
      )}
      {!loadError && alerts !== undefined && alerts.length === 0 && (
        <div className="empty-state" data-testid="alerts-empty">
          <h2>No alerts</h2>
          <p>Nothing is firing. Alerts arrive from Alertmanager's webhook and from automatic rollbacks.</p>
          {lastFromAlertmanager === null && (
            <p data-testid="alertmanager-silent">
              <strong>Nothing has been received from Alertmanager.</strong> If Prometheus rules should alert here, add
              a webhook receiver to Alertmanager for <code>{window.location.origin}/api/v1/alerts</code> with the
              webhook secret as its bearer token (see the operations guide).
            </p>
          )}
          {lastFromAlertmanager && (
            <p className="text-secondary text-s" data-testid="alertmanager-last">
              Alertmanager last sent alerts {formatRelative(lastFromAlertmanager)}.
            </p>
          )}
        </div>
      )}
      <ul className="alert-list">
        {(alerts ?? []).map((a) => (
          <li
            key={a.id}
            className={`alert-row severity-${a.severity} status-${a.status}`}
            data-testid="alert"
            data-name={a.name}
            data-status={a.status}
          >
            <span className={`severity-badge severity-${a.severity}`}>{a.severity}</span>
            <div className="alert-main">
              <div>
                <strong>{a.name}</strong> <span className="text-secondary text-s">({a.status})</span>
                {a.tier && <span className="text-secondary text-s"> · {a.tier}</span>}
                {a.nodeId && <span className="text-secondary text-s"> · {a.nodeId}</span>}
              </div>
              {a.summary && <div className="alert-summary">{a.summary}</div>}
              <div className="text-xs text-secondary">
                {a.source === 'engine' ? 'control plane' : 'Alertmanager'} · started {formatRelative(a.startsAt)}
                {a.endsAt && ` · resolved ${formatRelative(a.endsAt)}`}
                {a.acknowledgedBy && (
                  <span data-testid="acknowledged">
                    {' '}
                    · acknowledged by {a.acknowledgedBy} {formatRelative(a.acknowledgedAt)}
                  </span>
                )}
              </div>
            </div>
            {canAcknowledge && !a.acknowledgedBy && (
              <Button disabled={busy === a.id} onClick={() => void acknowledge(a)}>
                Acknowledge
              </Button>
            )}
          </li>
        ))}
      </ul>
    </main>
  );
}
