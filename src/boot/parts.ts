import type { Route } from '../http/route.ts';
import type { TokenAuthority } from '../http/auth.ts';

/**
 * What the boot steps hand each other. A step adds its routes, its status
 * section and the objects later steps use (the assistant uses the queue, the
 * fallback client and the supervisor). Fields appear as their steps run.
 */
export interface HostParts {
  routes: Route[];
  auth: TokenAuthority;
  /** Sections of `GET /api/status` and `nxs status`, by part name. Must be cheap and secret-free. */
  status: Map<string, () => unknown>;
  /** Extra facts for `/readyz` (the emergency mode, say), by part name. */
  readiness: Map<string, () => unknown>;
  /** The operator's token: the CLI's way in. Never logged. */
  operatorToken: string;
  [part: string]: unknown;
}
