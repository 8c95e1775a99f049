import type { Plugin, UserConfigFn } from 'vite';
import vitePluginFileSystemRouter from '@vaadin/hilla-file-router/vite-plugin.js';
import { overrideVaadinConfig } from './vite.generated';

type Hook = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Writes the file router's generated `file-routes.ts` before the build starts. Vaadin's router plugin writes it in
 * `buildStart`, the hook in which the production type check also starts, and Vite runs those hooks in parallel: when
 * the file is slow to appear (a fresh clone), `tsc` fails with "Cannot find module 'Frontend/generated/file-routes'".
 * `configResolved` hooks all finish before `buildStart`; Vaadin's plugin writes the same file again afterwards.
 */
const fileRoutesBeforeTypeCheck = (): Plugin => ({
  name: 'noderr:file-routes-before-type-check',
  async configResolved(config) {
    const router = vitePluginFileSystemRouter({ isDevMode: config.mode === 'development' });
    await (router.configResolved as Hook).call(undefined, config);
    await (router.buildStart as Hook).call(undefined);
  },
});

const customConfig: UserConfigFn = () => ({
  plugins: [fileRoutesBeforeTypeCheck()],
});

export default overrideVaadinConfig(customConfig);
