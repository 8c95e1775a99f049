import Role from 'Frontend/generated/network/noderr/controlplane/security/Role';

/** How each role is named on screen, most powerful first. */
export const roleLabels: Record<Role, string> = {
  [Role.ADMIN]: 'Admin',
  [Role.RELEASE_MANAGER]: 'Release manager',
  [Role.VIEWER]: 'Viewer',
};

export const roleItems = [Role.ADMIN, Role.RELEASE_MANAGER, Role.VIEWER].map((role) => ({
  label: roleLabels[role],
  value: role,
}));
