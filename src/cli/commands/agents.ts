import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import { formatBytes } from '../../core/format-bytes.ts';
import type { CliContext } from '../cli-context.ts';

type Opts = HostClientOptions & { json?: boolean };

function agentId(value: string): string {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected an agent id (a positive integer)');
  return value;
}

function cpu(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError('expected a CPU number (0, 1, ...)');
  return Number(value);
}

/** `nxs agents ...`: the supervisor through the running host's API. */
export function registerAgents(program: Command, cli: CliContext): void {
  const agents = program.command('agents').description('list, spawn, kill, restart and migrate agents on the running host');
  const out = (opts: Opts, value: unknown, human: () => string): void => cli.stdout(opts.json ? json(value) : human());

  hostOptions(agents.command('ls'))
    .description('list agents with their state and restarts')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const r = (await HostClient.connect(cli, opts).ok('GET', '/api/agents')) as { agents: Record<string, any>[] };
      out(opts, r, () =>
        r.agents.length === 0
          ? 'no agents (spawn one with: nxs agents spawn NAME)\n'
          : table(['ID', 'NAME', 'STATE', 'RUNTIME', 'RESTARTS', 'CPU', 'HEAP', 'CAPABILITIES'], r.agents.map((a) => [a.agent_id, a.name, a.state, a.runtime ?? 'worker', a.restarts, a.cpu_id, formatBytes(a.memory?.heap_used_bytes), (a.capabilities as string[]).join(',')])),
      );
    });

  hostOptions(agents.command('show').argument('<id>', 'agent id', agentId))
    .description("show one agent")
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts) => {
      const a = (await HostClient.connect(cli, opts).ok('GET', `/api/agents/${id}`)) as Record<string, any>;
      out(opts, a, () => Object.entries(a).map(([k, v]) => `${k.padEnd(13)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`).join('\n') + '\n');
    });

  hostOptions(agents.command('spawn').argument('<name>', 'agent name: one nxs ships (echo), one defined under agents: in the config, or any name with --module'))
    .description('spawn an agent (needs SPAWN_AGENT)')
    .option('--cap <caps>', 'capabilities, comma-separated (default SPAWN_AGENT,ALLOC_MEMORY or the definition\'s)')
    .option('--module <file>', 'an ES module in supervisor.agents_dir the agent runs (relative to it, or absolute); needs ADMIN')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: Opts & { cap?: string; module?: string }) => {
      const body = { name, ...(opts.cap ? { capabilities: opts.cap.split(',').map((s) => s.trim()).filter(Boolean) } : {}), ...(opts.module ? { settings: { module: opts.module } } : {}) };
      const r = (await HostClient.connect(cli, opts).ok('POST', '/api/agents', body)) as Record<string, unknown>;
      out(opts, r, () => `spawned agent ${String(r.agent_id)} (instance ${String(r.instance_id)})\n`);
    });

  hostOptions(agents.command('kill').argument('<id>', 'agent id', agentId))
    .description('stop an agent for good, releasing its GPU devices and capabilities (needs KILL_AGENT)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts) => {
      const r = await HostClient.connect(cli, opts).ok('DELETE', `/api/agents/${id}`);
      out(opts, r, () => `killed agent ${id}\n`);
    });

  hostOptions(agents.command('restart').argument('<id>', 'agent id', agentId))
    .description('start a fresh instance now; un-parks a crash-looped agent (needs KILL_AGENT)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts) => {
      const r = (await HostClient.connect(cli, opts).ok('POST', `/api/agents/${id}/restart`)) as Record<string, unknown>;
      out(opts, r, () => `restarted agent ${id} (instance ${String(r.instance_id)})\n`);
    });

  hostOptions(agents.command('migrate').argument('<id>', 'agent id', agentId).argument('<cpu>', 'target CPU', cpu))
    .description('record the CPU an agent should run on (needs ADMIN)')
    .option('--json', 'print JSON')
    .action(async (id: string, target: number, opts: Opts) => {
      const r = await HostClient.connect(cli, opts).ok('POST', `/api/agents/${id}/migrate`, { target_cpu: target });
      out(opts, r, () => `agent ${id} now on CPU ${target}\n`);
    });

  hostOptions(agents.command('audit').argument('<id>', 'agent id (or "host")'))
    .description("an agent's audit trail: every privileged operation and denial")
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts) => {
      const r = (await HostClient.connect(cli, opts).ok('GET', `/api/audit/${encodeURIComponent(id)}`)) as { entries: Record<string, any>[] };
      out(opts, r, () =>
        table(['OP', 'TIME', 'ALLOWED', 'OPERATION', 'BY'], r.entries.map((e) => [e.operation_id, new Date(e.timestamp).toISOString(), e.allowed ? 'yes' : 'DENIED', e.operation_type, e.principal])),
      );
    });
}

/** `nxs boot log [--boot ID] [--list]`: seed 004's boot log. */
export function registerBoot(program: Command, cli: CliContext): void {
  const boot = program.command('boot').description("the host's boot logs");
  hostOptions(boot.command('log'))
    .description('print a boot log (the latest boot unless --boot), or list boots with --list')
    .option('--boot <id>', 'the boot to print (see --list)')
    .option('--list', 'list recorded boots instead')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { boot?: string; list?: boolean }) => {
      const client = HostClient.connect(cli, opts);
      if (opts.list) {
        const r = (await client.ok('GET', '/api/boot/list')) as { boots: Record<string, any>[] };
        out(opts, r, () =>
          table(['BOOT', 'STARTED', 'VERSION', 'PID', 'READY', 'STOPPED'], r.boots.map((b) => [b.boot_id, new Date(b.started_at).toISOString(), b.version, b.pid, b.ready_at ? `${b.ready_at - b.started_at} ms` : null, b.stopped_at ? new Date(b.stopped_at).toISOString() : null])),
        );
        return;
      }
      const r = (await client.ok('GET', `/api/boot/log${opts.boot ? `?boot_id=${encodeURIComponent(opts.boot)}` : ''}`)) as { log: string };
      out(opts, r, () => r.log);
    });
  function out(opts: Opts, value: unknown, human: () => string): void {
    cli.stdout(opts.json ? json(value) : human());
  }
}
