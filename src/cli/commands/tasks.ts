import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import { NxsError } from '../../core/errors.ts';
import type { CliContext } from '../cli-context.ts';
import type { TaskView } from '../../scheduler/scheduler.ts';
import type { TaskRunRow } from '../../scheduler/task-store.ts';

type Opts = HostClientOptions & { json?: boolean };

interface AddOpts extends Opts {
  cron?: string;
  tz?: string;
  every?: string;
  at?: string;
  queue: string;
  group?: string;
  payload?: string;
  missed?: string;
  maxLateness?: string;
}

export function registerTasks(program: Command, cli: CliContext): void {
  const tasks = program.command('tasks').description('scheduled tasks: each enqueues a job on its schedule');

  hostOptions(tasks.command('ls'))
    .description('list tasks with their next run')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const { tasks: list } = (await HostClient.connect(cli, opts).ok('GET', '/api/tasks')) as { tasks: TaskView[] };
      if (opts.json) return cli.stdout(json(list));
      cli.stdout(table(['NAME', 'SCHEDULE', 'QUEUE', 'MISSED', 'NEXT RUN', 'LAST RUN'], list.map((t) => [t.name, t.schedule, t.queue, `${t.missed} (${t.max_lateness})`, t.next_run, t.last_run])));
    });

  hostOptions(tasks.command('add').argument('<name>', 'a name for the task'))
    .description('add a task: one of --cron (with --tz), --every or --at, and the job it enqueues')
    .option('--cron <expr>', 'cron expression, e.g. "0 9 * * 1-5"')
    .option('--tz <zone>', 'IANA time zone of the cron expression (default UTC)')
    .option('--every <duration>', 'fixed interval, e.g. 30s, 5m, 1h30m')
    .option('--at <iso>', 'one run at this ISO 8601 time, e.g. 2026-12-31T23:00:00Z')
    .requiredOption('--queue <queue>', 'the queue the job goes to')
    .option('--group <group>', 'the group of the job (runs in order with its group)')
    .option('--payload <json>', 'the job payload as JSON (default null)')
    .option('--missed <policy>', 'runs missed while the host was down: skip, once or each (default once)')
    .option('--max-lateness <duration>', 'catch up runs no older than this (default 1d)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: AddOpts) => {
      let payload: unknown = null;
      if (opts.payload !== undefined) {
        try {
          payload = JSON.parse(opts.payload);
        } catch (err) {
          throw new NxsError('NXS_ERR_TASK_INVALID', `--payload must be JSON; got ${JSON.stringify(opts.payload)} (${(err as Error).message})`, { field: 'payload' });
        }
      }
      const body = {
        name,
        queue: opts.queue,
        payload,
        ...(opts.cron !== undefined ? { cron: opts.cron } : {}),
        ...(opts.tz !== undefined ? { tz: opts.tz } : {}),
        ...(opts.every !== undefined ? { every: opts.every } : {}),
        ...(opts.at !== undefined ? { at: opts.at } : {}),
        ...(opts.group !== undefined ? { group: opts.group } : {}),
        ...(opts.missed !== undefined ? { missed: opts.missed } : {}),
        ...(opts.maxLateness !== undefined ? { maxLateness: opts.maxLateness } : {}),
      };
      const { task } = (await HostClient.connect(cli, opts).ok('POST', '/api/tasks', body)) as { task: TaskView };
      cli.stdout(opts.json ? json(task) : `task ${task.name} added: ${task.schedule}, next run ${task.next_run}\n`);
    });

  hostOptions(tasks.command('rm').argument('<name>', 'the task to remove'))
    .description('remove a task (jobs it already enqueued stay)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: Opts) => {
      const r = await HostClient.connect(cli, opts).ok('DELETE', `/api/tasks/${encodeURIComponent(name)}`);
      cli.stdout(opts.json ? json(r) : `task ${name} removed\n`);
    });

  hostOptions(tasks.command('run-now').argument('<name>', 'the task to run'))
    .description('enqueue the task job now, outside its schedule')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: Opts) => {
      const { run } = (await HostClient.connect(cli, opts).ok('POST', `/api/tasks/${encodeURIComponent(name)}/run`)) as { run: TaskRunRow };
      cli.stdout(opts.json ? json(run) : run.job_id !== null ? `task ${name}: job ${run.job_id} enqueued\n` : `task ${name}: ${run.reason}\n`);
    });
}
