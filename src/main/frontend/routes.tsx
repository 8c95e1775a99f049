import { RouterConfigurationBuilder } from '@vaadin/hilla-file-router/runtime.js';
import fileRoutes from 'Frontend/generated/file-routes.js';

// File-based routes; views that set loginRequired/rolesAllowed redirect to /login when not allowed.
export const { router, routes } = new RouterConfigurationBuilder().withFileRoutes(fileRoutes).protect('/login').build();
