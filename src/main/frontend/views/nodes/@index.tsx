import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import {
  Grid,
  type GridDataProviderCallback,
  type GridDataProviderParams,
  type GridElement,
} from '@vaadin/react-components/Grid.js';
import { GridSortColumn } from '@vaadin/react-components/GridSortColumn.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { Icon } from '@vaadin/react-components/Icon.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { HealthBadge } from 'Frontend/components/HealthBadge';
import { useLiveRefresh } from 'Frontend/components/live';
import { formatRelative } from 'Frontend/components/time';
import { NodeRegistryService } from 'Frontend/generated/endpoints';
import type NodeSummary from 'Frontend/generated/network/noderr/controlplane/nodes/NodeSummary';
import LiveTopic from 'Frontend/generated/network/noderr/controlplane/live/LiveTopic';
import Tier from 'Frontend/generated/network/noderr/controlplane/shared/Tier';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';

export const config: ViewConfig = {
  title: 'Nodes',
  menu: { order: 1, icon: 'vaadin:cluster' },
  rolesAllowed: ['VIEWER'],
};

const PAGE_SIZE = 50;
const TOPICS = [LiveTopic.NODES];

const tierItems = [{ label: 'All tiers', value: 'any' }, ...Object.values(Tier).map((t) => ({ label: t, value: t }))];
const healthItems = [
  { label: 'Any health', value: 'any' },
  { label: 'Healthy', value: 'healthy' },
  { label: 'Degraded', value: 'degraded' },
  { label: 'Unhealthy', value: 'unhealthy' },
  { label: 'Never reported', value: 'unknown' },
];

export default function NodesView() {
  const [tier, setTier] = useState('any');
  const [health, setHealth] = useState('any');
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const [total, setTotal] = useState<number | undefined>(undefined);
  const filtered = tier !== 'any' || health !== 'any' || search !== '';
  const grid = useRef<GridElement<NodeSummary>>(null);
  const navigate = useNavigate();

  // Live: re-fetch the pages in view; the grid keeps its sort, filters and scroll position.
  useLiveRefresh(() => grid.current?.clearCache(), TOPICS);

  useEffect(() => {
    const timer = setTimeout(() => setSearch(searchInput.trim()), 300);
    return () => clearTimeout(timer);
  }, [searchInput]);

  // A new provider (new filters) makes the grid fetch again from the first page.
  const dataProvider = useCallback(
    async (params: GridDataProviderParams<NodeSummary>, callback: GridDataProviderCallback<NodeSummary>) => {
      const sortOrder = params.sortOrders.find((s) => s.direction);
      try {
        const result = await NodeRegistryService.find({
          tier: tier === 'any' ? undefined : (tier as Tier),
          status: undefined,
          health: health === 'any' ? undefined : health,
          version: undefined,
          text: search === '' ? undefined : search,
          page: params.page,
          size: params.pageSize,
          sort: sortOrder?.path,
          descending: sortOrder?.direction === 'desc',
        });
        setTotal(result.total);
        callback(result.items, result.total);
      } catch (e) {
        callback([], 0);
        Notification.show(`Could not load nodes: ${e instanceof Error ? e.message : String(e)}. Try again.`, {
          theme: 'error',
          position: 'bottom-end',
          duration: 6000,
        });
      }
    },
    [tier, health, search],
  );

  return (
    <main className="view">
      <div className="flex flex-wrap items-end gap-m">
        <TextField
          label="Search"
          placeholder="Node id or host"
          clearButtonVisible
          value={searchInput}
          onValueChanged={(e) => setSearchInput(e.detail.value)}
        >
          <Icon slot="prefix" icon="vaadin:search" />
        </TextField>
        <Select label="Tier" items={tierItems} value={tier} onValueChanged={(e) => setTier(e.detail.value)} />
        <Select label="Health" items={healthItems} value={health} onValueChanged={(e) => setHealth(e.detail.value)} />
        <span className="ms-auto text-secondary" aria-live="polite" data-testid="node-count">
          {total === undefined ? '' : `${total.toLocaleString()} ${total === 1 ? 'node' : 'nodes'}`}
        </span>
      </div>
      <Grid<NodeSummary>
        ref={grid}
        dataProvider={dataProvider}
        pageSize={PAGE_SIZE}
        className="flex-grow"
        aria-label="Node registry"
        onActiveItemChanged={(e) => {
          const node = e.detail.value;
          if (node) {
            navigate(`/nodes/${encodeURIComponent(node.nodeId)}`);
          }
        }}
      >
        <GridSortColumn path="nodeId" header="Node" autoWidth>
          {({ item }) => (
            <Link to={`/nodes/${encodeURIComponent(item.nodeId)}`} title={`Open ${item.nodeId}`}>
              {item.nodeId}
            </Link>
          )}
        </GridSortColumn>
        <GridSortColumn path="hostname" header="Host" autoWidth />
        <GridSortColumn path="tier" header="Tier" autoWidth />
        <GridSortColumn path="status" header="Status" autoWidth>
          {({ item }) => (item.status === 'SUSPENDED' ? <span className="text-error">Suspended</span> : 'Active')}
        </GridSortColumn>
        <GridSortColumn path="keyType" header="Key" autoWidth>
          {({ item }) => (item.keyType === 'TPM2' ? 'TPM 2.0' : 'Software')}
        </GridSortColumn>
        <GridSortColumn path="currentVersion" header="Version" autoWidth>
          {({ item }) => item.currentVersion ?? '—'}
        </GridSortColumn>
        <GridSortColumn path="targetVersion" header="Target" autoWidth>
          {({ item }) => item.targetVersion ?? '—'}
        </GridSortColumn>
        <GridSortColumn path="cohort" header="Cohort" autoWidth>
          {({ item }) => item.cohort ?? '—'}
        </GridSortColumn>
        <GridSortColumn path="healthStatus" header="Health" autoWidth>
          {({ item }) => <HealthBadge status={item.healthStatus} />}
        </GridSortColumn>
        <GridSortColumn path="lastHealthCheck" header="Last report" autoWidth>
          {({ item }) => formatRelative(item.lastHealthCheck)}
        </GridSortColumn>
        <GridSortColumn path="registeredAt" header="Registered" autoWidth>
          {({ item }) => formatRelative(item.registeredAt)}
        </GridSortColumn>
        <div slot="empty-state" className="empty-state" data-testid="registry-empty">
          {filtered ? (
            <>
              <h2>No nodes match these filters</h2>
              <p>Clear the search or pick another tier or health to see more nodes.</p>
            </>
          ) : (
            <>
              <h2>No nodes registered yet</h2>
              <p>
                Nodes appear here once an operator&apos;s application is approved and their installer registers the
                node with its single-use install token.
              </p>
            </>
          )}
        </div>
      </Grid>
    </main>
  );
}
