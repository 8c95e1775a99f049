import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { lazy } from 'react';

export const config: ViewConfig = {
  title: 'Overview',
  menu: { order: 0, icon: 'vaadin:dashboard' },
  rolesAllowed: ['VIEWER'],
};

/*
 * The file router bundles the start page with the application itself, so the Overview and its chart library load
 * on demand: a first visit to any other screen (a shared /nodes?… link) does not download and parse them.
 */
const OverviewScreen = lazy(() => import('Frontend/overview/Overview'));

export default function OverviewView() {
  return <OverviewScreen />;
}
