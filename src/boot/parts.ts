import type { Route } from '../http/route.ts';
import type { TokenAuthority } from '../http/auth.ts';
import type { LogTail } from '../console/log-tail.ts';
import type { HostMetrics } from '../metrics/host-metrics.ts';

/**
 * What the composition root makes before any step starts, and every step may use:
 * where a step puts its routes, its status section and its readiness facts. The
 * parts' own handles are not here: each step returns them and the later steps
 * that need one declare it (src/boot/boot-step.ts).
 */
export interface HostBase {
  routes: Route[];
  auth: TokenAuthority;
  /** Sections of `GET /api/status` and `nxs status`, by part name. Must be cheap and secret-free. */
  status: Map<string, () => unknown>;
  /** Extra facts for `/readyz` (the emergency mode, say), by part name. */
  readiness: Map<string, () => unknown>;
  /** The operator's token: the CLI's way in. Never logged. */
  operatorToken: string;
  /** The host's recent log lines and their followers (the console's live tail). */
  logTail: LogTail;
  /** The metric families: the HTTP server counts into them, each part registers its observers and collectors. */
  metrics: HostMetrics;
}
