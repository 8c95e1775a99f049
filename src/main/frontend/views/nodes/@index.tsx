import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import {
  Grid,
  type GridDataProviderCallback,
  type GridDataProviderParams,
  type GridElement,
} from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { GridSortColumn } from '@vaadin/react-components/GridSortColumn.js';
import { GridSorter } from '@vaadin/react-components/GridSorter.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextField, type TextFieldElement } from '@vaadin/react-components/TextField.js';
import { Icon } from '@vaadin/react-components/Icon.js';
import { Button } from '@vaadin/react-components/Button.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { HealthBadge } from 'Frontend/components/HealthBadge';
import { useLiveRefresh } from 'Frontend/components/live';
import { formatRelative, useEvery } from 'Frontend/components/time';
import { NodeRegistryService } from 'Frontend/generated/endpoints';
import type NodeSummary from 'Frontend/generated/network/noderr/controlplane/nodes/NodeSummary';
import type NodeStatus from 'Frontend/generated/network/noderr/controlplane/nodes/NodeStatus';
import LiveTopic from 'Frontend/generated/network/noderr/controlplane/live/LiveTopic';
import Tier from 'Frontend/generated/network/noderr/controlplane/shared/Tier';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { router } from 'Frontend/routes';
import './registry.css';

export const config: ViewConfig = {
  title: 'Nodes',
  menu: { order: 1, icon: 'vaadin:cluster' },
  rolesAllowed: ['VIEWER'],
};

const PAGE_SIZE = 50;
/** How often the ages in view ("24 seconds ago") are drawn again, so they keep counting. */
const AGE_REDRAW_MS = 5_000;
/**
 * How often the rows in view are read again. A report that changes neither a node's health nor its version sends
 * no live event (100k nodes report every 30 s), so without this a node that stopped reporting would look as fresh
 * as one that reported a moment ago.
 */
const REPORTS_REFRESH_MS = 15_000;
const TOPICS = [LiveTopic.NODES];

/** The registry's filters live in the address (`/nodes?tier=ORACLE&health=unhealthy`), so a filtered view can be shared. */
const FILTERS = ['tier', 'status', 'health', 'version', 'cohort', 'q'] as const;
type Filter = (typeof FILTERS)[number];

// Short: the search is an indexed query of a few milliseconds, and the wait counts against the 300 ms budget.
const SEARCH_DEBOUNCE_MS = 75;
const FILTER_WIDTH = '10rem';
/** For the filters whose labels are longer ("Never reported", "Any version"), so none is cut off. */
const WIDE_FILTER_WIDTH = '12rem';

const tierItems = [{ label: 'All tiers', value: 'any' }, ...Object.values(Tier).map((t) => ({ label: t, value: t }))];
const healthItems = [
  { label: 'Any health', value: 'any' },
  { label: 'Healthy', value: 'healthy' },
  { label: 'Degraded', value: 'degraded' },
  { label: 'Unhealthy', value: 'unhealthy' },
  { label: 'Never reported', value: 'unknown' },
];
const statusItems = [
  { label: 'Any status', value: 'any' },
  { label: 'Active', value: 'ACTIVE' },
  { label: 'Suspended', value: 'SUSPENDED' },
];
// Spelt as the grid and the rest of the dashboard spell them (the API's names).
const cohortItems = [
  { label: 'Any cohort', value: 'any' },
  { label: 'canary', value: 'canary' },
  ...[1, 2, 3, 4].map((n) => ({ label: `cohort${n}`, value: `cohort${n}` })),
];

/** The properties the grid sorts by (the server accepts these and no others). */
const SORT_PATHS = [
  'nodeId',
  'hostname',
  'tier',
  'cohort',
  'status',
  'keyType',
  'currentVersion',
  'targetVersion',
  'healthStatus',
  'lastHealthCheck',
  'registeredAt',
];

/** The values each address parameter may take (the version and the search are free text). */
const ALLOWED: Partial<Record<string, string[]>> = {
  tier: Object.values(Tier),
  status: statusItems.map((i) => i.value).filter((v) => v !== 'any'),
  health: healthItems.map((i) => i.value).filter((v) => v !== 'any'),
  cohort: cohortItems.map((i) => i.value).filter((v) => v !== 'any'),
  sort: SORT_PATHS,
  dir: ['asc', 'desc'],
};

/**
 * The address without values the screen does not know (an old bookmark, a typo): they are dropped, and named, instead
 * of being sent to the server (which refuses them) and leaving the screen empty.
 */
function normalise(params: URLSearchParams): { clean: URLSearchParams; ignored: string[] } {
  const clean = new URLSearchParams();
  const ignored: string[] = [];
  for (const [name, value] of params) {
    const allowed = ALLOWED[name];
    const known = (FILTERS as readonly string[]).includes(name) || allowed !== undefined;
    if (!known || value === '' || clean.has(name) || (allowed && !allowed.includes(value))) {
      if (value !== '') ignored.push(`${name}=${value}`);
    } else {
      clean.set(name, value);
    }
  }
  if (clean.has('dir') && !clean.has('sort')) {
    clean.delete('dir');
  }
  return { clean, ignored };
}

function showIgnored(ignored: string[]) {
  if (ignored.length > 0) {
    Notification.show(`Ignored unknown values in the address: ${ignored.join(', ')}. Showing the other filters.`, {
      theme: 'warning',
      position: 'bottom-end',
      duration: 8000,
    });
  }
}

export default function NodesView() {
  const [params] = useSearchParams();
  // The address as opened, without values the screen does not know (replaced in the address once mounted).
  const opened = useRef<{ clean: URLSearchParams; ignored: string[] }>(null);
  opened.current ??= normalise(params);
  // The filters the controls show: the latest choice at once, not the address, which follows only when the router
  // has completed its navigation. A render in between (a grid answer, a key typed) must not write an older value
  // into a select: the select would report it as a new choice and apply it again.
  const [shown, setShown] = useState(() => new URLSearchParams(opened.current!.clean));
  const filter = (name: Filter) => shown.get(name) ?? '';
  const tier = filter('tier');
  const status = filter('status');
  const health = filter('health');
  const version = filter('version');
  const cohort = filter('cohort');
  const search = filter('q');
  const [searchInput, setSearchInput] = useState(search);
  // The search field is not controlled by React (a re-render while someone types must not write an older text
  // back); showing a text that came from elsewhere (a link, Clear filters) goes through here.
  const searchField = useRef<TextFieldElement>(null);
  const initialSearch = useRef(search).current;
  useEffect(() => {
    if (searchField.current) {
      searchField.current.value = initialSearch;
    }
  }, [initialSearch]);
  const showSearch = useCallback((text: string) => {
    setSearchInput(text);
    if (searchField.current) {
      searchField.current.value = text;
    }
  }, []);
  const [versions, setVersions] = useState<string[]>([]);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const filtered = FILTERS.some((f) => shown.get(f));
  // The sort as opened (kept in the address like the filters). Its sorter is set once the grid has drawn its
  // header (not through a prop: a re-rendered header would set it back over a later click); until then the grid's
  // requests use it, and the address keeps it.
  const initialSort = useRef({
    path: opened.current.clean.get('sort') ?? undefined,
    direction: opened.current.clean.get('dir') === 'desc' ? ('desc' as const) : ('asc' as const),
  }).current;
  const sortApplied = useRef(initialSort.path === undefined);
  const grid = useRef<GridElement<NodeSummary>>(null);
  const navigate = useNavigate();

  // The filters the grid asks with, read when it asks: a change fetches at once (grid.clearCache()) instead of
  // after React has re-rendered the view with a new data provider (that took ~100 ms of the 300 ms budget).
  const query = useRef(new URLSearchParams(opened.current.clean));
  // This screen's path, and the addresses this view asked the router for that it has not seen arrive yet (router
  // navigations complete asynchronously, so several can be on their way while someone types).
  const ownPath = useRef(useLocation().pathname);
  const ownSearches = useRef<string[]>([]);

  const go = useCallback(
    (next: URLSearchParams) => {
      query.current = next;
      setShown(next);
      grid.current?.clearCache();
      ownSearches.current.push(next.toString());
      navigate({ pathname: ownPath.current, search: next.toString() }, { replace: true });
    },
    [navigate],
  );

  // Each change starts from the latest filters (not those of the last render), so quick successive changes (a
  // select, then the debounced search) never undo each other.
  const setFilter = useCallback(
    (name: Filter, value: string) => {
      // Leaving the registry (a row or a menu link clicked): a late debounced search must not navigate back.
      const pending = router.state.navigation.location;
      if (router.state.location.pathname !== ownPath.current || (pending && pending.pathname !== ownPath.current)) {
        return;
      }
      const next = new URLSearchParams(query.current);
      if (value === '' || value === 'any') {
        next.delete(name);
      } else {
        next.set(name, value);
      }
      if (next.toString() !== query.current.toString()) {
        go(next);
      }
    },
    [go],
  );

  // All filters off at once (the sort stays). The query goes first: the selects then report their reset values,
  // which match it.
  const clearFilters = () => {
    showSearch('');
    const next = new URLSearchParams();
    for (const name of ['sort', 'dir']) {
      const value = query.current.get(name);
      if (value) next.set(name, value);
    }
    go(next);
  };

  // The sort from the address: its sorter shows it once the header is drawn (a few frames after mounting).
  useEffect(() => {
    if (sortApplied.current) return;
    let frame = 0;
    let tries = 0;
    const apply = () => {
      const sorter = [...(grid.current?.querySelectorAll('vaadin-grid-sorter') ?? [])].find(
        (s) => s.path === initialSort.path,
      );
      if (sorter) {
        sortApplied.current = true;
        sorter.direction = initialSort.direction;
      } else if (++tries < 120) {
        frame = requestAnimationFrame(apply);
      } else {
        sortApplied.current = true;
      }
    };
    frame = requestAnimationFrame(apply);
    return () => cancelAnimationFrame(frame);
  }, [initialSort]);



  // The address changed: one of this view's own (skip it and the older ones), or from elsewhere (a link,
  // back/forward): fetch for it and show its search text.
  useEffect(() => {
    const arrived = params.toString();
    const own = ownSearches.current.indexOf(arrived);
    if (own >= 0) {
      ownSearches.current.splice(0, own + 1);
      return;
    }
    // Values the screen does not know (on opening too): the address shows what the screen shows, and a notice
    // says what was dropped.
    const { clean, ignored } = normalise(params);
    if (ignored.length > 0) {
      ownSearches.current.push(clean.toString());
      navigate({ pathname: ownPath.current, search: clean.toString() }, { replace: true });
      showIgnored(ignored);
    }
    if (clean.toString() !== query.current.toString()) {
      query.current = clean;
      setShown(query.current);
      grid.current?.clearCache();
      showSearch(clean.get('q') ?? '');
    }
  }, [params, showSearch, navigate]);

  const loadVersions = useCallback(() => {
    NodeRegistryService.versionsInUse().then(setVersions, () => setVersions([]));
  }, []);
  useEffect(loadVersions, [loadVersions]);

  // Live: re-fetch the pages in view; the grid keeps its sort, filters and scroll position. The versions in use
  // (a scan of the registry) are read again when the Version filter opens, not on every live tick.
  useLiveRefresh(() => grid.current?.clearCache(), TOPICS);
  useEvery(AGE_REDRAW_MS, () => grid.current?.requestContentUpdate());
  useEvery(REPORTS_REFRESH_MS, () => grid.current?.clearCache());

  useEffect(() => {
    const timer = setTimeout(() => setFilter('q', searchInput.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [searchInput, setFilter]);

  const versionItems = [
    { label: 'Any version', value: 'any' },
    ...(version && !versions.includes(version) ? [version, ...versions] : versions).map((v) => ({ label: v, value: v })),
  ];

  // A sorter clicked: the address keeps the sort like the filters (the grid fetches by itself, no clearCache).
  const keepSortInAddress = useCallback(
    (path: string | undefined, direction: string | undefined) => {
      const next = new URLSearchParams(query.current);
      if (path && direction) {
        next.set('sort', path);
        next.set('dir', direction);
      } else {
        next.delete('sort');
        next.delete('dir');
      }
      if (next.toString() === query.current.toString() || router.state.location.pathname !== ownPath.current) {
        return;
      }
      query.current = next;
      setShown(next);
      ownSearches.current.push(next.toString());
      navigate({ pathname: ownPath.current, search: next.toString() }, { replace: true });
    },
    [navigate],
  );

  // One provider for the view's life: it reads the filters when the grid asks (see query above).
  const dataProvider = useCallback(
    async (params: GridDataProviderParams<NodeSummary>, callback: GridDataProviderCallback<NodeSummary>) => {
      const sortOrder = sortApplied.current ? params.sortOrders.find((s) => s.direction) : initialSort;
      if (sortApplied.current) {
        keepSortInAddress(sortOrder?.path, sortOrder?.direction ?? undefined);
      }
      const asked = query.current;
      const get = (name: Filter) => asked.get(name) || undefined;
      try {
        const result = await NodeRegistryService.find({
          tier: get('tier') as Tier | undefined,
          status: get('status') as NodeStatus | undefined,
          health: get('health'),
          version: get('version'),
          cohort: get('cohort'),
          text: get('q'),
          page: params.page,
          size: params.pageSize,
          sort: sortOrder?.path,
          descending: sortOrder?.direction === 'desc',
        });
        if (asked === query.current) {
          setTotal(result.total); // not a late answer for filters changed since
        }
        // The grid's own size too, not only the callback's: an empty grid without it warns that it lacks a size.
        if (grid.current) grid.current.size = result.total;
        callback(result.items, result.total);
      } catch (e) {
        if (grid.current) grid.current.size = 0;
        callback([], 0);
        Notification.show(`Could not load nodes: ${e instanceof Error ? e.message : String(e)}. Try again.`, {
          theme: 'error',
          position: 'bottom-end',
          duration: 6000,
        });
      }
    },
    [keepSortInAddress],
  );

  // The grid renders only when what it shows changes: typing in the search or a filter's own re-render does not
  // redraw every visible cell (the typed key would otherwise wait for it before the search goes out).
  const registryGrid = useMemo(
    () => (
      <Grid<NodeSummary>
        ref={grid}
        dataProvider={dataProvider}
        pageSize={PAGE_SIZE}
        className="flex-grow"
        theme="compact"
        aria-label="Node registry"
        onActiveItemChanged={(e) => {
          const node = e.detail.value;
          if (node) {
            navigate(`/nodes/${encodeURIComponent(node.nodeId)}`);
          }
        }}
      >
        {/* Two-line rows: related values share a column (each keeps its own sorter), so all eleven fit a 1280 px
            desktop without scrolling sideways; long ids, hosts and versions wrap instead of being cut off. */}
        <GridColumn
          width="13rem"
          flexGrow={1}
          headerRenderer={nodeHeader}
        >
          {({ item }) => (
            <span className="cell-stack">
              <Link to={`/nodes/${encodeURIComponent(item.nodeId)}`} title={`Open ${item.nodeId}`}>
                {item.nodeId}
              </Link>
              <span className="secondary">{item.hostname}</span>
            </span>
          )}
        </GridColumn>
        <GridColumn
          width="7rem"
          flexGrow={0}
          headerRenderer={tierHeader}
        >
          {({ item }) => (
            <span className="cell-stack">
              <span>{item.tier}</span>
              <span className="secondary">{item.cohort ?? '—'}</span>
            </span>
          )}
        </GridColumn>
        <GridColumn
          width="6.5rem"
          flexGrow={0}
          headerRenderer={statusHeader}
        >
          {({ item }) => (
            <span className="cell-stack">
              {item.status === 'SUSPENDED' ? <span className="text-error">Suspended</span> : <span>Active</span>}
              <span className="secondary">{item.keyType === 'TPM2' ? 'TPM 2.0' : 'Software'}</span>
            </span>
          )}
        </GridColumn>
        <GridColumn
          width="7rem"
          flexGrow={0}
          headerRenderer={versionHeader}
        >
          {({ item }) => (
            <span className="cell-stack">
              <span>{item.currentVersion ?? '—'}</span>
              {item.targetVersion && item.targetVersion !== item.currentVersion && (
                <span className="secondary" title="Target version">
                  → {item.targetVersion}
                </span>
              )}
            </span>
          )}
        </GridColumn>
        <GridSortColumn path="healthStatus" header="Health" width="7rem" flexGrow={0}>
          {({ item }) => <HealthBadge status={item.healthStatus} />}
        </GridSortColumn>
        <GridSortColumn path="lastHealthCheck" header="Last report" width="9rem" flexGrow={0}>
          {({ item }) => <span className="cell-wrap">{formatRelative(item.lastHealthCheck)}</span>}
        </GridSortColumn>
        <GridSortColumn path="registeredAt" header="Registered" width="9rem" flexGrow={0}>
          {({ item }) => <span className="cell-wrap">{formatRelative(item.registeredAt)}</span>}
        </GridSortColumn>
        <div slot="empty-state" className="empty-state" data-testid="registry-empty">
          {filtered ? (
            <>
              <h2>No nodes match these filters</h2>
              <p>Clear the filters or pick others to see more nodes.</p>
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
    ),
    [dataProvider, filtered, navigate],
  );

  return (
    <main className="view">
      <div className="flex flex-wrap items-end gap-m registry-filters">
        <TextField
          label="Search"
          placeholder="Node id or host"
          clearButtonVisible
          ref={searchField}
          onValueChanged={(e) => setSearchInput(e.detail.value)}
        >
          <Icon slot="prefix" icon="vaadin:search" />
        </TextField>
        <Select
          label="Tier"
          style={{ width: FILTER_WIDTH }}
          items={tierItems}
          value={tier || 'any'}
          onValueChanged={(e) => setFilter('tier', e.detail.value)}
        />
        <Select
          label="Status"
          style={{ width: FILTER_WIDTH }}
          items={statusItems}
          value={status || 'any'}
          onValueChanged={(e) => setFilter('status', e.detail.value)}
        />
        <Select
          label="Health"
          style={{ width: WIDE_FILTER_WIDTH }}
          items={healthItems}
          value={health || 'any'}
          onValueChanged={(e) => setFilter('health', e.detail.value)}
        />
        <Select
          label="Version"
          style={{ width: WIDE_FILTER_WIDTH }}
          items={versionItems}
          value={version || 'any'}
          onOpenedChanged={(e) => e.detail.value && loadVersions()}
          onValueChanged={(e) => setFilter('version', e.detail.value)}
        />
        <Select
          label="Cohort"
          style={{ width: FILTER_WIDTH }}
          items={cohortItems}
          value={cohort || 'any'}
          onValueChanged={(e) => setFilter('cohort', e.detail.value)}
        />
        {filtered && (
          <Button
            theme="tertiary"
            onClick={clearFilters}
          >
            Clear filters
          </Button>
        )}
        <span className="ms-auto text-secondary" aria-live="polite" data-testid="node-count">
          {total === undefined ? '' : `${total.toLocaleString()} ${total === 1 ? 'node' : 'nodes'}`}
        </span>
      </div>
      {registryGrid}
    </main>
  );
}

// The headers are drawn by functions that never change: a header drawn again would create its sorters anew, which
// forgets the sort chosen (and the address would lose it).
const nodeHeader = () => <SorterStack first={['nodeId', 'Node']} second={['hostname', 'Host']} />;
const tierHeader = () => <SorterStack first={['tier', 'Tier']} second={['cohort', 'Cohort']} />;
const statusHeader = () => <SorterStack first={['status', 'Status']} second={['keyType', 'Key']} />;
const versionHeader = () => <SorterStack first={['currentVersion', 'Version']} second={['targetVersion', 'Target']} />;

/** Two sorters in one column's header, one above the other: each sorts by its own property. */
function SorterStack({ first, second }: { first: [string, string]; second: [string, string] }) {
  return (
    <span className="sorter-stack">
      <GridSorter path={first[0]}>{first[1]}</GridSorter>
      <GridSorter path={second[0]}>{second[1]}</GridSorter>
    </span>
  );
}
