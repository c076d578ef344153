import type { Route } from '../http/route.ts';
import type { TokenAuthority } from '../http/auth.ts';
import type { SqliteQueue } from '../queue/sqlite-queue.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Supervisor } from '../supervisor/types.ts';
import type { DetectHandle } from '../detect/handle.ts';
import type { CheckpointManager } from '../checkpoints/manager.ts';
import type { Doctor } from '../doctor/doctor.ts';

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
  /** The host's recent log lines and their followers (the console's live tail). */
  logTail?: import('../console/log-tail.ts').LogTail;
  /** The durable queue (boot step `queue`); it implements JobQueue from src/queue/types.ts. */
  queue?: SqliteQueue;
  /** Persisted scheduled tasks (boot step `scheduler`). */
  scheduler?: Scheduler;
  /** Detection facts, tier, disk check (the detect step, first). */
  detect?: DetectHandle;
  /** The fallback LLM client (boot step `providers`); implements LlmClient from src/providers/types.ts. */
  llm?: import('../providers/client.ts').FallbackClient;
  /** The agent supervisor (boot step `supervisor`). */
  supervisor?: Supervisor;
  /** API tokens made with nxs token create, and their bounds at the /v1 door (boot step `supervisor`). */
  tokens?: import('../supervisor/tokens.ts').TokenStore;
  /** The assistant: conversations, channels, survival mode (boot step `assistant`, last). */
  assistant?: import('../assistant/assistant.ts').Assistant;
  /** Checkpoints and the state-provider registry (boot step `checkpoints`): parts call registerStateProvider. */
  checkpoints?: CheckpointManager;
  /** The self-healing doctor (boot step `doctor`). */
  doctor?: Doctor;
  /** Agent tools under capabilities, in the sandbox (boot step `tools`, last). */
  tools?: import('../tools/toolbox.ts').Toolbox;
  /** systemd notifications and watchdog (boot step `systemd`, only under a Type=notify unit). */
  systemd?: import('../install/sd-notifier.ts').SystemdNotifier;
  /** The metric families (made by the composition root; the parts' observers and GET /metrics use them). */
  metrics?: import('../metrics/host-metrics.ts').HostMetrics;
  [part: string]: unknown;
}
