import { MetricsRegistry } from './registry.ts';
import type { ProviderObserver } from '../providers/observer.ts';
import type { AttemptRecord } from '../providers/types.ts';
import { TOOL_NAMES } from '../tools/definitions.ts';

/** Seconds: a provider's whole answer takes from tens of ms (local, cached) to minutes (long completions). */
const PROVIDER_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds: most API answers are sub-millisecond to a few ms; the door's streams run far longer. */
const HTTP_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60];
/** Seconds: the door's own overhead is tens to hundreds of microseconds (BENCHMARKS.md, the /v1 door). */
const ADDED_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
const TOOLS: ReadonlySet<string> = new Set(TOOL_NAMES);

/** One answered HTTP request: the route's pattern (never the raw URL), or `unmatched`. */
export interface RequestObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
  /** What the route waited on an upstream (the door's provider attempts), when it said. */
  upstreamSeconds?: number;
}

export interface QueueObserver {
  enqueued(queue: string): void;
  settled(queue: string, outcome: 'done' | 'retry' | 'dead'): void;
}

export interface SchedulerObserver {
  /** A run was enqueued (`scheduled` at its due time, or `manual` from run-now). */
  ran(reason: 'scheduled' | 'manual'): void;
  /** Occurrences a task's missed-run policy passed over. */
  missed(policy: string, occurrences: number): void;
}

/** An audited operation (src/supervisor/audit.ts) as the toolbox and the sandbox record them. */
export interface AuditObserver {
  recorded(operationType: string, allowed: boolean): void;
}

/**
 * Every metric nxs exposes, made once by the composition root (src/boot/host.ts) and handed to
 * the parts as small observer interfaces; no part imports a singleton. Names follow Prometheus'
 * conventions: base units in the name, `_total` on counters. Label values are configured names
 * (providers, queues, channels, routes) or fixed sets, never ids, secrets or message text.
 * docs/metrics.md lists them all (a test checks it names each one).
 */
export class HostMetrics {
  readonly registry = new MetricsRegistry();
  private readonly r = this.registry;

  // Process and Node runtime (set by collectors/runtime.ts at scrape time).
  readonly cpuUser = this.r.counter('process_cpu_user_seconds_total', 'User CPU time spent by the host process, in seconds.');
  readonly cpuSystem = this.r.counter('process_cpu_system_seconds_total', 'System CPU time spent by the host process, in seconds.');
  readonly cpuTotal = this.r.counter('process_cpu_seconds_total', 'User and system CPU time spent by the host process, in seconds.');
  readonly rss = this.r.gauge('process_resident_memory_bytes', 'Resident memory of the host process, in bytes.');
  readonly startTime = this.r.gauge('process_start_time_seconds', 'When the host process started, in seconds since the Unix epoch.');
  readonly openFds = this.r.gauge('process_open_fds', 'Open file descriptors of the host process.');
  readonly maxFds = this.r.gauge('process_max_fds', 'The open-file limit of the host process.');
  readonly heapUsed = this.r.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.');
  readonly heapTotal = this.r.gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved, in bytes.');
  readonly external = this.r.gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers, SQLite), in bytes.');
  readonly loopLag = this.r.gauge('nodejs_eventloop_lag_seconds', 'Event-loop lag sampled at each scrape: how late a callback queued as the scrape arrived ran, in seconds.');
  readonly loopActive = this.r.counter('nodejs_eventloop_active_seconds_total', 'Time the event loop spent running callbacks (not waiting for I/O), in seconds.');
  readonly build = this.r.gauge('nxs_build_info', 'Always 1; the labels say which nxs and which Node run.', ['version', 'node']);

  // Tier.
  readonly tier = this.r.gauge('nxs_tier_info', 'Always 1; `tier` is the runtime profile in force, `detected` what detection chose for this box.', ['tier', 'detected']);
  readonly tierChanges = this.r.counter('nxs_tier_changes_total', 'Tier changes by the resource monitor or the doctor.', ['from', 'to']);

  // Queue.
  readonly queueJobs = this.r.gauge('nxs_queue_jobs', 'Jobs by queue and state (queued: due now; delayed: due later; blocked: behind their group; running; dead).', ['queue', 'state']);
  readonly queueOldest = this.r.gauge('nxs_queue_oldest_waiting_seconds', 'How long the oldest due, unblocked queued job has waited, in seconds (0 when none waits).', ['queue']);
  readonly enqueued = this.r.counter('nxs_queue_enqueued_total', 'Jobs enqueued.', ['queue']);
  readonly completed = this.r.counter('nxs_queue_completed_total', 'Jobs that finished successfully.', ['queue']);
  readonly failed = this.r.counter('nxs_queue_failed_total', 'Job attempts that failed and will be retried.', ['queue']);
  readonly dead = this.r.counter('nxs_queue_dead_total', 'Jobs that failed for good (dead letters).', ['queue']);

  // Scheduler.
  readonly schedulerRuns = this.r.counter('nxs_scheduler_runs_total', 'Scheduled task runs enqueued, by why (scheduled, manual).', ['reason']);
  readonly schedulerMissed = this.r.counter('nxs_scheduler_missed_runs_total', 'Task occurrences passed over by their missed-run policy.', ['policy']);

  // Providers.
  readonly providerRequests = this.r.counter('nxs_provider_requests_total', 'Attempts at a provider by outcome (ok, retry, failover, skipped, caller-error).', ['provider', 'outcome']);
  readonly providerLatency = this.r.histogram('nxs_provider_request_duration_seconds', 'How long one attempt at a provider took (a streamed one: until its stream opened), in seconds.', ['provider'], PROVIDER_BUCKETS);
  readonly providerFirstByte = this.r.histogram('nxs_provider_first_byte_seconds', 'Time from a streamed call to the provider that took it opening its stream, in seconds.', ['provider'], PROVIDER_BUCKETS);
  readonly failovers = this.r.counter('nxs_provider_failovers_total', 'Times a call gave up on this provider and moved on.', ['provider']);
  readonly tokens = this.r.counter('nxs_provider_tokens_total', 'Tokens providers reported in answers (direction: input, output).', ['provider', 'direction']);
  readonly breakerOpens = this.r.counter('nxs_provider_breaker_opens_total', 'Times a provider\'s circuit breaker opened.', ['provider']);
  readonly recoveries = this.r.counter('nxs_provider_recoveries_total', 'Times the recovery probe found a provider answering again.', ['provider']);
  readonly breakerState = this.r.gauge('nxs_provider_breaker_state', '1 for the state a provider\'s breaker is in (closed, open, half-open), 0 for the others.', ['provider', 'state']);
  readonly providerUp = this.r.gauge('nxs_provider_available', '1 when a provider may be called now; 0 while it rests, or its credential stands refused.', ['provider']);
  readonly cooldown = this.r.gauge('nxs_provider_cooldown_seconds', 'Seconds left before a resting provider may be tried again.', ['provider']);
  readonly clientMode = this.r.gauge('nxs_providers_mode', '1 for the fallback client\'s mode (normal, degraded, emergency), 0 for the others.', ['mode']);

  // The HTTP API and the /v1 door.
  readonly httpRequests = this.r.counter('nxs_http_requests_total', 'HTTP requests answered, by method, route pattern and status.', ['method', 'route', 'status']);
  readonly httpDuration = this.r.histogram('nxs_http_request_duration_seconds', 'Time from a request\'s arrival to the end of its answer, in seconds.', ['method', 'route'], HTTP_BUCKETS);
  readonly doorAdded = this.r.histogram('nxs_door_added_latency_seconds', 'What nxs added to a non-streamed door answer: its whole time less the time spent on provider attempts, in seconds.', ['route'], ADDED_BUCKETS);

  // Assistant.
  readonly messages = this.r.gauge('nxs_assistant_messages', 'Messages not yet answered, by channel and status (queued, answering, deferred).', ['channel', 'status']);
  readonly survival = this.r.gauge('nxs_assistant_survival_mode', '1 while the assistant is in survival mode (every provider down), else 0.');
  readonly survivalEntries = this.r.counter('nxs_assistant_survival_entries_total', 'Times the assistant entered survival mode.');
  readonly channelDown = this.r.counter('nxs_assistant_channel_down_total', 'Times a channel was marked down after failed deliveries.', ['channel']);

  // Agents.
  readonly agents = this.r.gauge('nxs_agents', 'Agents by state (starting, running, restarting, parked, stopped).', ['state']);
  readonly agentCrashes = this.r.counter('nxs_agent_crashes_total', 'Agents that stopped unexpectedly, by how (crash, hung, oom, clean).', ['kind']);
  readonly agentRestarts = this.r.counter('nxs_agent_restarts_total', 'Agent restarts scheduled by the supervisor.');
  readonly crashLoops = this.r.counter('nxs_agent_crash_loops_total', 'Agents parked after crashing too often.');

  // Checkpoints.
  readonly checkpoints = this.r.gauge('nxs_checkpoints', 'Checkpoints on disk, by kind (agent, host).', ['kind']);
  readonly checkpointBytes = this.r.gauge('nxs_checkpoints_bytes', 'Size of the checkpoints on disk, by kind, in bytes.', ['kind']);
  readonly checkpointLast = this.r.gauge('nxs_checkpoint_last_success_timestamp_seconds', 'When the newest checkpoint made here was written, by kind, in seconds since the Unix epoch.', ['kind']);

  // Sandbox and tools.
  readonly toolCalls = this.r.counter('nxs_tool_calls_total', 'Agent tool calls audited, by tool and result (allowed, denied).', ['tool', 'result']);
  readonly sandboxCommands = this.r.counter('nxs_sandbox_commands_total', 'Shell commands agents asked the sandbox to run, by result (allowed, denied).', ['result']);
  readonly denials = this.r.counter('nxs_sandbox_denials_total', 'Refusals audited by the toolbox and the sandbox, by kind (tool, egress).', ['kind']);

  // Alerts, and the metrics part itself.
  readonly alerts = this.r.counter('nxs_alerts_total', 'Alerts raised on the host\'s event bus, by source and severity.', ['source', 'severity']);
  readonly collectErrors = this.r.counter('nxs_metrics_collect_errors_total', 'Scrapes where a collector failed (its gauges were left out).');

  /** For src/http/server.ts: one call per answered request. */
  readonly http = {
    observe: (o: RequestObservation): void => {
      this.httpRequests.inc([o.method, o.route, String(o.status)]);
      this.httpDuration.observe([o.method, o.route], o.seconds);
      if (o.upstreamSeconds !== undefined && Number.isFinite(o.upstreamSeconds)) this.doorAdded.observe([o.route], Math.max(0, o.seconds - o.upstreamSeconds));
    },
  };

  /** For the fallback client (src/providers/observer.ts). */
  readonly providers: ProviderObserver = {
    attempt: (provider, outcome: AttemptRecord['outcome'], seconds) => {
      this.providerRequests.inc([provider, outcome]);
      if (outcome !== 'skipped') this.providerLatency.observe([provider], seconds);
    },
    firstByte: (provider, seconds) => this.providerFirstByte.observe([provider], seconds),
    failover: (from) => this.failovers.inc([from]),
    tokens: (provider, input, output) => {
      this.tokens.inc([provider, 'input'], input);
      this.tokens.inc([provider, 'output'], output);
    },
  };

  readonly queue: QueueObserver = {
    enqueued: (queue) => this.enqueued.inc([queue]),
    settled: (queue, outcome) => (outcome === 'done' ? this.completed : outcome === 'retry' ? this.failed : this.dead).inc([queue]),
  };

  readonly scheduler: SchedulerObserver = {
    ran: (reason) => this.schedulerRuns.inc([reason]),
    missed: (policy, occurrences) => this.schedulerMissed.inc([policy], occurrences),
  };

  readonly audit: AuditObserver = {
    recorded: (operationType, allowed) => {
      const result = allowed ? 'allowed' : 'denied';
      if (operationType.startsWith('tool.')) {
        const tool = operationType.slice('tool.'.length);
        // The name comes from the model's tool call: only the tools nxs has are labels.
        this.toolCalls.inc([TOOLS.has(tool) ? tool : 'unknown', result]);
        if (tool === 'shell') this.sandboxCommands.inc([result]);
        if (!allowed) this.denials.inc(['tool']);
      } else if (operationType === 'egress.connect' && !allowed) {
        this.denials.inc(['egress']);
      }
    },
  };

  constructor(version: string) {
    this.build.set([version, process.version], 1);
  }
}
