import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Button } from '@vaadin/react-components/Button.js';
import { Grid } from '@vaadin/react-components/Grid.js';
import { GridColumn } from '@vaadin/react-components/GridColumn.js';
import { Notification } from '@vaadin/react-components/Notification.js';
import { Select } from '@vaadin/react-components/Select.js';
import { TextField } from '@vaadin/react-components/TextField.js';
import { AuditService } from 'Frontend/generated/endpoints';
import type AuditEntry from 'Frontend/generated/network/noderr/controlplane/audit/AuditEntry';
import { useCallback, useEffect, useState } from 'react';

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

type Filters = { actor: string; action: string; target: string; outcome: string };

function errorText(e: unknown) {
  return e instanceof Error ? e.message : String(e);
}

export default function AuditView() {
  const [draft, setDraft] = useState<Filters>({ actor: '', action: '', target: '', outcome: 'any' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [entries, setEntries] = useState<AuditEntry[] | undefined>(undefined);
  const [downloading, setDownloading] = useState(false);
  const outcome = (f: Filters) => (f.outcome === 'any' ? undefined : f.outcome);

  const load = useCallback(async () => {
    try {
      setEntries(await AuditService.find(filters.actor, filters.action, filters.target, outcome(filters)));
    } catch (e) {
      Notification.show(`Could not load the audit log: ${errorText(e)}`, { theme: 'error', duration: 6000 });
    }
  }, [filters]);

  useEffect(() => {
    void load();
  }, [load]);

  async function download() {
    setDownloading(true);
    try {
      const csv = await AuditService.csv(filters.actor, filters.action, filters.target, outcome(filters));
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = 'noderr-audit.csv';
      link.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      Notification.show(`The export failed: ${errorText(e)}`, { theme: 'error', duration: 8000 });
    } finally {
      setDownloading(false);
    }
  }

  const field = (key: keyof Filters, label: string, placeholder: string) => (
    <TextField
      label={label}
      placeholder={placeholder}
      value={draft[key]}
      clearButtonVisible
      onValueChanged={(e) => setDraft((d) => ({ ...d, [key]: e.detail.value }))}
      onKeyDown={(e) => e.key === 'Enter' && setFilters(draft)}
    />
  );

  return (
    <main className="view flex flex-col gap-m" style={{ height: '100%' }}>
      <form
        className="flex items-end gap-m flex-wrap"
        data-testid="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        {field('actor', 'Actor', 'exact user name')}
        {field('action', 'Action', 'e.g. approve, publish')}
        {field('target', 'Target', 'node id, application id, tier…')}
        <Select
          label="Outcome"
          items={outcomes}
          value={draft.outcome}
          onValueChanged={(e) => setDraft((d) => ({ ...d, outcome: e.detail.value }))}
        />
        <Button theme="primary" onClick={() => setFilters(draft)}>
          Filter
        </Button>
        <Button onClick={() => void download()} disabled={downloading}>
          {downloading ? 'Preparing CSV…' : 'Download CSV'}
        </Button>
      </form>
      {entries !== undefined && entries.length === 0 ? (
        <div className="empty-state" data-testid="audit-empty">
          <h2>No entries</h2>
          <p>Nothing matches these filters. Every admin action and every rollout change made by the system or the chain is recorded here.</p>
        </div>
      ) : (
        <Grid<AuditEntry> items={entries ?? []} className="flex-grow" aria-label="Audit log" data-testid="audit-grid">
          <GridColumn header="When" autoWidth>
            {({ item }) => new Date(item.at).toLocaleString()}
          </GridColumn>
          <GridColumn path="actor" header="Who" autoWidth />
          <GridColumn path="action" header="What" autoWidth />
          <GridColumn path="target" header="Target" autoWidth />
          <GridColumn header="Outcome" autoWidth>
            {({ item }) => `${item.outcome}${item.status ? ` (${item.status})` : ''}`}
          </GridColumn>
          <GridColumn path="sourceAddress" header="From" autoWidth />
          <GridColumn path="detail" header="Details" flexGrow={1} />
        </Grid>
      )}
    </main>
  );
}
