import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { DateTimePicker } from '@vaadin/react-components/DateTimePicker.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { AuditService } from 'Frontend/generated/endpoints';
import type AuditEntry from 'Frontend/generated/network/noderr/controlplane/audit/AuditEntry';
import { errorText, showError, useSubmitOnEnter } from 'Frontend/components/errors';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import './audit.css';
import { formatDateTime } from 'Frontend/components/time';

export const config: ViewConfig = {
  title: 'Audit log',
  menu: { order: 7, icon: 'vaadin:records' },
  rolesAllowed: ['VIEWER'],
};

const outcomes = [
  { label: 'Any outcome', value: 'any' },
  { label: 'Success', value: 'success' },
  { label: 'Refused', value: 'refused' },
  { label: 'Failed', value: 'failed' },
];

type Filters = { actor: string; action: string; target: string; outcome: string; from: string; to: string };
const FILTER_KEYS: (keyof Filters)[] = ['actor', 'action', 'target', 'outcome', 'from', 'to'];

/** The filters in the address (so a reload or a shared link keeps them); absent ones are empty. */
function fromAddress(search: string): Filters {
  const params = new URLSearchParams(search);
  const get = (key: keyof Filters) => params.get(key) ?? '';
  return {
    actor: get('actor'),
    action: get('action'),
    target: get('target'),
    outcome: outcomes.some((o) => o.value === get('outcome')) ? get('outcome') : 'any',
    from: get('from'),
    to: get('to'),
  };
}

function toAddress(filters: Filters) {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key].trim();
    if (value && !(key === 'outcome' && value === 'any')) params.set(key, value);
  }
  return params;
}

/** An IPv6 address in its short form ("0:0:0:0:0:0:0:1" → "::1"); anything else as it is. */
function shortAddress(address: string | undefined) {
  if (!address || !/^[0-9a-f]*(:[0-9a-f]*){7}$/iu.test(address)) return address ?? '';
  const groups = address.split(':').map((g) => g.replace(/^0+(?=.)/u, '').toLowerCase());
  // The longest run of two or more zero groups becomes "::".
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  if (best.length < 2) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** A date-time picker's local value ("2026-11-24T10:00") as an instant for the server; undefined when empty. */
function instant(local: string) {
  return local ? new Date(local).toISOString() : undefined;
}

export default function AuditView() {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const filters = useMemo(() => fromAddress(search), [search]);
  const [draft, setDraft] = useState<Filters>(filters);
  const [entries, setEntries] = useState<AuditEntry[] | undefined>(undefined);
  /** Whether older matching entries exist beyond those shown. */
  const [more, setMore] = useState(false);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const outcome = (f: Filters) => (f.outcome === 'any' ? undefined : f.outcome);
  const rangeError = draft.from && draft.to && draft.from >= draft.to ? 'Must be after “From”' : undefined;
  // A range with nothing in it from the address (a link, a bookmark): said at the field, not asked of the server.
  const emptyRange = !!(filters.from && filters.to && filters.from >= filters.to);

  const find = useCallback(
    (beforeId?: number) =>
      AuditService.find(
        filters.actor,
        filters.action,
        filters.target,
        outcome(filters),
        instant(filters.from),
        instant(filters.to),
        beforeId,
      ),
    [filters],
  );
  /** The query of the entries shown: an answer to an older query (the filters changed meanwhile) is dropped. */
  const current = useRef(find);
  current.current = find;

  const load = useCallback(async () => {
    setEntries(undefined);
    setLoadError(undefined);
    if (emptyRange) {
      return;
    }
    try {
      const page = await find();
      if (current.current !== find) {
        return;
      }
      setEntries(page.entries);
      setMore(page.more);
    } catch (e) {
      if (current.current !== find) {
        return;
      }
      setLoadError(errorText(e));
      showError('Could not load the audit log', e);
    }
  }, [find, emptyRange]);

  useEffect(() => {
    void load();
  }, [load]);

  async function loadOlder() {
    if (!entries?.length) {
      return;
    }
    setLoadingOlder(true);
    try {
      const page = await find(entries[entries.length - 1].id);
      if (current.current !== find) {
        return;
      }
      setEntries([...entries, ...page.entries]);
      setMore(page.more);
    } catch (e) {
      showError('Could not load older entries', e);
    } finally {
      setLoadingOlder(false);
    }
  }

  function applyFilters() {
    if (!rangeError) {
      setParams(toAddress(draft));
    }
  }

  async function download() {
    setDownloading(true);
    try {
      const csv = await AuditService.csv(
        filters.actor,
        filters.action,
        filters.target,
        outcome(filters),
        instant(filters.from),
        instant(filters.to),
      );
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = 'noderr-audit.csv';
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      showError('The export failed', e);
    } finally {
      setDownloading(false);
    }
  }

  const onEnter = useSubmitOnEnter(applyFilters);

  const field = (key: keyof Filters, label: string, placeholder: string) => (
    <TextField
      label={label}
      placeholder={placeholder}
      value={draft[key]}
      clearButtonVisible
      onValueChanged={(e) => setDraft((d) => ({ ...d, [key]: e.detail.value }))}
      onKeyDown={onEnter}
    />
  );

  return (
    <main className="view flex flex-col gap-m" style={{ height: '100%' }}>
      <form
        className="flex items-end gap-m flex-wrap"
        data-testid="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          applyFilters();
        }}
      >
        {field('actor', 'Actor', 'user name (any case)')}
        {field('action', 'Action', 'e.g. approve, publish')}
        {field('target', 'Target', 'node id, application id, tier…')}
        <Select
          label="Outcome"
          items={outcomes}
          value={draft.outcome}
          onValueChanged={(e) => setDraft((d) => ({ ...d, outcome: e.detail.value }))}
        />
        <DateTimePicker
          label="From"
          helperText="Inclusive, your local time"
          value={draft.from}
          onValueChanged={(e) => setDraft((d) => ({ ...d, from: e.detail.value }))}
          data-testid="audit-from"
        />
        <DateTimePicker
          label="To"
          helperText="Exclusive"
          value={draft.to}
          errorMessage={rangeError}
          invalid={!!rangeError}
          onValueChanged={(e) => setDraft((d) => ({ ...d, to: e.detail.value }))}
          data-testid="audit-to"
        />
        <Button theme="primary" onClick={applyFilters}>
          Filter
        </Button>
        <Button onClick={() => void download()} disabled={downloading}>
          {downloading ? 'Preparing CSV…' : 'Download CSV'}
        </Button>
      </form>
      {emptyRange ? (
        <div className="empty-state" role="alert" data-testid="audit-empty-range">
          <h2>No time between “From” and “To”</h2>
          <p>“To” must be after “From”: change one of them and filter again.</p>
        </div>
      ) : loadError ? (
        <div className="empty-state" role="alert" data-testid="audit-error">
          <h2>The audit log could not be loaded</h2>
          <p>{loadError}</p>
          <Button onClick={() => void load()}>Try again</Button>
        </div>
      ) : entries !== undefined && entries.length === 0 ? (
        <div className="empty-state" data-testid="audit-empty">
          <h2>No entries</h2>
          <p>Nothing matches these filters. Every admin action and every rollout change made by the system or the chain is recorded here.</p>
        </div>
      ) : (
        <>
          <div className="flex items-center gap-m">
            <span className="text-secondary" role="status" data-testid="audit-count">
              {entries === undefined
                ? 'Loading…'
                : more
                  ? `Showing the newest ${entries.length.toLocaleString()} matching entries; older ones exist.`
                  : `Showing all ${entries.length.toLocaleString()} matching entries.`}
            </span>
            {more && (
              <Button onClick={() => void loadOlder()} disabled={loadingOlder}>
                {loadingOlder ? 'Loading older…' : 'Load older'}
              </Button>
            )}
          </div>
          {/* Fixed widths and wrapped text: every column fits a 1280 px desktop without scrolling sideways. */}
          <Grid<AuditEntry>
            items={entries ?? []}
            className="flex-grow audit-grid"
            theme="wrap-cell-content compact"
            aria-label="Audit log"
            data-testid="audit-grid"
          >
            <GridColumn header="When" width="9.5rem" flexGrow={0}>
              {({ item }) => formatDateTime(item.at)}
            </GridColumn>
            <GridColumn path="actor" header="Who" width="7rem" flexGrow={0} />
            <GridColumn header="What" width="9rem" flexGrow={1}>
              {({ item }) => <span title={item.action}>{item.label}</span>}
            </GridColumn>
            <GridColumn path="target" header="Target" width="6rem" flexGrow={1} />
            <GridColumn header="Outcome" width="6rem" flexGrow={0}>
              {({ item }) => `${item.outcome}${item.status ? ` (${item.status})` : ''}`}
            </GridColumn>
            <GridColumn header="From" width="6rem" flexGrow={0}>
              {({ item }) => <span title={item.sourceAddress ?? ''}>{shortAddress(item.sourceAddress)}</span>}
            </GridColumn>
            <GridColumn header="Details" width="12rem" flexGrow={3}>
              {({ item }) => <AuditDetail detail={item.detail} />}
            </GridColumn>
          </Grid>
        </>
      )}
    </main>
  );
}

/** A 0x-prefixed hash or a sha256 digest, shortened for reading (the whole value stays in the tooltip). */
const LONG_HEX = /\b(0x[0-9a-f]{10}|sha256:[0-9a-f]{10})[0-9a-f]{30,}\b/giu;

/**
 * An entry's details as the server records them ("{tier=ORACLE, toVersion=1.1.0, reason=…}"): one "name: value" per
 * line, long hashes shortened; the recorded text in the tooltip.
 */
function AuditDetail({ detail }: { detail?: string }) {
  if (!detail) return null;
  const inner = /^\{(.*)\}$/su.exec(detail)?.[1];
  const parts = inner === undefined ? [detail] : inner.split(/, (?=[A-Za-z][\w.]*=)/u);
  return (
    <span className="audit-detail" title={detail}>
      {parts.map((part, i) => {
        const at = inner === undefined ? -1 : part.indexOf('=');
        const text = (at < 0 ? part : `${part.slice(0, at)}: ${part.slice(at + 1)}`).replace(LONG_HEX, '$1…');
        return <span key={i}>{text}</span>;
      })}
    </span>
  );
}
