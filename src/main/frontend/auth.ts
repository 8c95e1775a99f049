import { configureAuth } from '@vaadin/hilla-react-auth';
import { CurrentUserService } from 'Frontend/generated/endpoints';

// Who is logged in comes from the server; roles exclude the ROLE_ prefix and include implied roles.
const auth = configureAuth(CurrentUserService.getUserInfo, {
  getRoles: (user) => user.roles,
});

export const useAuth = auth.useAuth;
export const AuthProvider = auth.AuthProvider;
