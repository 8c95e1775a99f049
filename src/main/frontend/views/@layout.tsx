import { createMenuItems, useViewConfig } from '@vaadin/hilla-file-router/runtime.js';
import { effect, signal } from '@vaadin/hilla-react-signals';
import { AppLayout } from '@vaadin/react-components/AppLayout.js';
import { DrawerToggle } from '@vaadin/react-components/DrawerToggle.js';
import { Icon } from '@vaadin/react-components/Icon.js';
import { MenuBar } from '@vaadin/react-components/MenuBar.js';
import { SideNav } from '@vaadin/react-components/SideNav.js';
import { SideNavItem } from '@vaadin/react-components/SideNavItem.js';
import '@vaadin/icons';
import { useAuth } from 'Frontend/auth';
import { ConnectionBadge } from 'Frontend/components/ConnectionBadge';
import { SkipLink } from 'Frontend/components/SkipLink';
import { loggingOutNow } from 'Frontend/connect-client';
import { Suspense } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import type { ViewConfig } from '@vaadin/hilla-file-router/types.js';

export const config: ViewConfig = {
  loginRequired: true,
};

const documentTitleSignal = signal('');
effect(() => {
  document.title = documentTitleSignal.value ? `${documentTitleSignal.value} · Noderr` : 'Noderr';
});

const roleLabels: Record<string, string> = {
  ADMIN: 'Admin',
  RELEASE_MANAGER: 'Release manager',
  VIEWER: 'Viewer',
};

export default function MainLayout() {
  const currentTitle = useViewConfig()?.title ?? '';
  const navigate = useNavigate();
  const location = useLocation();
  const { state, logout } = useAuth();
  documentTitleSignal.value = currentTitle;

  const user = state.user;
  const userMenu = user
    ? [
        {
          text: `${user.username} · ${roleLabels[user.role] ?? user.role}`,
          children: [
            // My account (own API tokens, password): users feature.
            { text: 'My account', action: 'account' },
            { text: 'Log out', action: 'logout' },
          ],
        },
      ]
    : [];

  return (
    <AppLayout primarySection="drawer">
      <div slot="drawer" className="flex flex-col justify-between h-full p-m">
        <header className="flex flex-col gap-m">
          <span className="font-semibold text-l">Noderr control plane</span>
          <SideNav onNavigate={({ path }) => navigate(path!)} location={location}>
            {createMenuItems().map(({ to, title, icon }) => (
              <SideNavItem path={to} key={to}>
                {icon ? <Icon icon={icon} slot="prefix"></Icon> : <></>}
                {title}
              </SideNavItem>
            ))}
          </SideNav>
        </header>
      </div>

      <SkipLink />
      <DrawerToggle slot="navbar" aria-label="Menu toggle"></DrawerToggle>
      <h1 slot="navbar" className="text-l m-0">
        {currentTitle}
      </h1>
      <div slot="navbar" className="ms-m flex items-center">
        <ConnectionBadge />
      </div>
      <MenuBar
        slot="navbar"
        className="ms-auto me-m"
        theme="tertiary"
        items={userMenu}
        aria-label="User menu"
        onItemSelected={async (e) => {
          if ((e.detail.value as { action?: string }).action === 'account') {
            navigate('/account');
          }
          if ((e.detail.value as { action?: string }).action === 'logout') {
            loggingOutNow();
            await logout();
            window.location.assign('/login');
          }
        }}
      />

      <Suspense>
        <Outlet />
      </Suspense>
    </AppLayout>
  );
}
