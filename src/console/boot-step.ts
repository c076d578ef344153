import type { BootStep } from '../boot/boot-step.ts';
import type { Assistant } from '../assistant/assistant.ts';
import { assetRoutes } from './asset-routes.ts';
import { dataRoutes } from './data-routes.ts';
import { loginRoutes } from './login-routes.ts';
import { LoginCodes } from './login-codes.ts';
import { boxReader, ResourceHistory } from './resource-history.ts';
import { SessionStore } from './sessions.ts';
import { sessionResolver } from './session-auth.ts';
import { readStaticFiles } from './static-files.ts';

/**
 * The console: the page at `/`, its sign-in (one-time link, then an HttpOnly session cookie the
 * server accepts besides bearer tokens) and the routes its pages needed. Last, after the
 * assistant whose main conversation it shows.
 */
export const consoleStep: BootStep<{ assistant?: Assistant }, void> = {
  name: 'console',
  start(ctx, parts) {
    const codes = new LoginCodes(ctx.clock);
    const sessions = new SessionStore(ctx.clock);
    parts.auth.useSessions(sessionResolver(sessions, parts.auth));
    const history = new ResourceHistory({ clock: ctx.clock, intervalMs: () => ctx.profile.current.monitorIntervalMs, read: boxReader(ctx.config.dataDir) });
    ctx.lifecycle.onStop('console-resources', () => history.stop());
    history.start();
    parts.routes.push(...assetRoutes(readStaticFiles()), ...loginRoutes({ auth: parts.auth, codes, sessions }), ...dataRoutes(ctx, parts, history));
  },
};
