import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';
import { Navigate } from 'react-router';

export const config: ViewConfig = {
  menu: { exclude: true },
  loginRequired: true,
};

/** The Overview screen arrives with the dashboard issue; until then the registry is the start page. */
export default function IndexView() {
  return <Navigate to="/nodes" replace />;
}
