import { Tooltip } from '@vaadin/react-components/Tooltip.js';
import { type LiveState, useLiveConnection } from 'Frontend/components/live';
import './ConnectionBadge.css';

const labels: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const explanations: Record<LiveState, string> = {
  connecting: 'Opening the live connection to the control plane.',
  live: 'Screens update by themselves as nodes, rollouts and alerts change.',
  reconnecting: 'The live connection dropped; reconnecting by itself. Screens refresh every 30 s meanwhile.',
  offline: 'This browser is offline. Screens update again once the network is back.',
};

/** Shows whether the dashboard's live connection is up, and keeps it open while mounted (in the layout). */
export function ConnectionBadge() {
  const state = useLiveConnection();
  return (
    <>
      <span
        id="connection-badge"
        className={`connection-badge connection-${state}`}
        data-testid="connection-state"
        data-state={state}
        role="status"
        aria-live="polite"
      >
        <span className="connection-dot" aria-hidden="true" />
        {labels[state]}
      </span>
      <Tooltip for="connection-badge" text={explanations[state]} position="bottom" />
    </>
  );
}
