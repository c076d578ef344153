import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions, positiveInt } from '../options.ts';
import { json, table } from '../output.ts';
import { NxsError } from '../../core/errors.ts';
import type { CliContext } from '../cli-context.ts';
import type { JobRecord, QueueStats } from '../../queue/types.ts';
import type { RunRow } from '../../queue/job-store.ts';

type Opts = HostClientOptions & { json?: boolean };

const time = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

/** Like HostClient.ok, with a longer timeout for the selftest. */
async function call(client: HostClient, method: string, pathname: string, body?: unknown, timeoutMs?: number): Promise<unknown> {
  const res = await client.call(method, pathname, body, timeoutMs);
  if (res.status >= 200 && res.status < 300) return res.body;
  const b = res.body as { error?: string } | undefined;
  const code = res.errorCode?.startsWith('NXS_ERR_') ? (res.errorCode as `NXS_ERR_${string}`) : 'NXS_ERR_INTERNAL';
  throw new NxsError(code, b?.error ?? `HTTP ${res.status}`, { status: res.status });
}

export function registerQueue(program: Command, cli: CliContext): void {
  const queue = program.command('queue').description('inspect and operate the durable job queue of the running host');

  hostOptions(queue.command('stats'))
    .description('jobs per queue and state')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const s = (await call(HostClient.connect(cli, opts), 'GET', '/api/queue/stats')) as QueueStats & { running: number; active_groups: number; next_wake: number | null };
      if (opts.json) return cli.stdout(json(s));
      const rows = Object.entries(s.queues).map(([name, c]) => [name, c.queued, c.delayed, c.running, c.dead, c.done]);
      cli.stdout(table(['QUEUE', 'QUEUED', 'DELAYED', 'RUNNING', 'DEAD', 'DONE'], rows));
      cli.stdout(`running now: ${s.running}, active groups: ${s.active_groups}, next wake: ${time(s.next_wake)}\n`);
    });

  hostOptions(queue.command('ls'))
    .description('list jobs, newest first (or, with --history, every attempt)')
    .option('--queue <name>', 'only this queue')
    .option('--state <state>', 'only jobs in this state: queued, running, done or dead')
    .option('--group <group>', 'only this group')
    .option('--job <id>', 'with --history: only this job', positiveInt)
    .option('--limit <n>', 'at most this many rows (default 50)', positiveInt)
    .option('--history', 'list attempts (job, attempt, started, finished, outcome) instead of jobs')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { queue?: string; state?: string; group?: string; job?: number; limit?: number; history?: boolean }) => {
      const q = new URLSearchParams();
      if (opts.queue) q.set('queue', opts.queue);
      if (opts.group) q.set('group', opts.group);
      if (opts.limit) q.set('limit', String(opts.limit));
      const client = HostClient.connect(cli, opts);
      if (opts.history) {
        if (opts.job) q.set('job', String(opts.job));
        const { runs } = (await call(client, 'GET', `/api/queue/history?${q}`)) as { runs: RunRow[] };
        if (opts.json) return cli.stdout(json(runs));
        return cli.stdout(table(['RUN', 'JOB', 'QUEUE', 'GROUP', 'ATTEMPT', 'STARTED', 'FINISHED', 'OUTCOME', 'ERROR'], runs.map((r) => [r.id, r.job_id, r.queue, r.grp, r.attempt, time(r.started_at), time(r.finished_at), r.outcome, r.error])));
      }
      if (opts.state) q.set('state', opts.state);
      const { jobs } = (await call(client, 'GET', `/api/queue/jobs?${q}`)) as { jobs: JobRecord[] };
      if (opts.json) return cli.stdout(json(jobs));
      cli.stdout(table(['ID', 'QUEUE', 'GROUP', 'STATE', 'PRIO', 'ATTEMPTS', 'RUN AT', 'LAST ERROR'], jobs.map((j) => [j.id, j.queue, j.group, j.state, j.priority, `${j.attempts}/${j.maxAttempts}`, time(j.runAt), j.lastError])));
    });

  hostOptions(queue.command('retry').argument('<id>', 'the id of a dead job', positiveInt))
    .description('run a dead job again (it keeps its payload)')
    .option('--json', 'print JSON')
    .action(async (id: number, opts: Opts) => {
      const { job } = (await call(HostClient.connect(cli, opts), 'POST', `/api/queue/jobs/${id}/retry`)) as { job: JobRecord };
      cli.stdout(opts.json ? json(job) : `job ${job.id} (${job.queue}) is queued again\n`);
    });

  hostOptions(queue.command('purge-dead'))
    .description('delete dead jobs (all queues, or one)')
    .option('--queue <name>', 'only this queue')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { queue?: string }) => {
      const r = (await call(HostClient.connect(cli, opts), 'POST', '/api/queue/purge-dead', opts.queue ? { queue: opts.queue } : {})) as { purged: number };
      cli.stdout(opts.json ? json(r) : `${r.purged} dead job(s) deleted\n`);
    });

  hostOptions(queue.command('selftest').argument('[n]', 'how many jobs (default 1000)', positiveInt))
    .description('run N no-op jobs through the built-in selftest queue and report the throughput')
    .option('--groups <g>', 'spread the jobs over this many groups (default min(N, 10))', positiveInt)
    .option('--timeout <seconds>', 'give up after this long (default 120)', positiveInt)
    .option('--json', 'print JSON')
    .action(async (n: number | undefined, opts: Opts & { groups?: number; timeout?: number }) => {
      const count = n ?? 1000;
      const timeoutMs = (opts.timeout ?? 120) * 1000;
      const r = (await call(HostClient.connect(cli, opts), 'POST', '/api/queue/selftest', { n: count, groups: opts.groups ?? Math.min(count, 10), timeout_ms: timeoutMs }, timeoutMs + 5_000)) as {
        completed: number;
        enqueued: number;
        elapsed_ms: number;
        jobs_per_sec: number;
        groups: number;
      };
      cli.stdout(opts.json ? json(r) : `selftest: ${r.completed}/${r.enqueued} jobs done across ${r.groups} group(s) in ${r.elapsed_ms} ms (${r.jobs_per_sec} jobs/s)\n`);
    });
}
