import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../cli/host-client.ts';
import { hostOptions } from '../cli/options.ts';
import { json, table } from '../cli/output.ts';
import type { CliContext } from '../cli/cli-context.ts';
import { NxsError } from '../core/errors.ts';

type Opts = HostClientOptions & { json?: boolean };
type GrantOpts = Opts & { minutes: string; reason: string };
interface OverrideRow { id: string; kind: string; target: string | null; by: string; reason: string; expires_at: string }

/** `nxs sandbox status|overrides|allow-unsandboxed|allow-egress|revoke`. */
export function registerSandbox(program: Command, cli: CliContext): void {
  const cmd = program.command('sandbox').description('the agent tools sandbox: backend, egress and the owner\'s time-bounded overrides');

  hostOptions(cmd.command('status'))
    .description('which backend confines commands, and why')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const s = (await HostClient.connect(cli, opts).ok('GET', '/api/sandbox')) as Record<string, unknown>;
      if (opts.json) return cli.stdout(json(s));
      cli.stdout(`backend:   ${String(s.backend)}\ndetail:    ${String(s.detail)}\nworkspace: ${String(s.workspace)}\negress allowlist entries: ${String(s.egress_allow)}\n`);
    });

  hostOptions(cmd.command('overrides'))
    .description('list the active overrides')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const r = (await HostClient.connect(cli, opts).ok('GET', '/api/sandbox/overrides')) as { overrides: OverrideRow[] };
      if (opts.json) return cli.stdout(json(r));
      cli.stdout(table(['ID', 'KIND', 'TARGET', 'BY', 'EXPIRES', 'REASON'], r.overrides.map((o) => [o.id, o.kind, o.target, o.by, o.expires_at, o.reason])));
    });

  const grant = (sub: Command, kind: 'unsandboxed' | 'egress') =>
    hostOptions(sub)
      .requiredOption('--minutes <n>', 'how long it lasts (at most sandbox.max_override_minutes)')
      .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
      .option('--json', 'print JSON');

  grant(cmd.command('allow-unsandboxed'), 'unsandboxed')
    .description('let shell commands run WITHOUT a sandbox for a limited time (only when no backend works)')
    .action(async (opts: GrantOpts) => send(cli, opts, { kind: 'unsandboxed', minutes: minutes(opts.minutes), reason: opts.reason }));

  grant(cmd.command('allow-egress <host:port>'), 'egress')
    .description('allow one more host:port through the egress proxy for a limited time')
    .action(async (target: string, opts: GrantOpts) => send(cli, opts, { kind: 'egress', target, minutes: minutes(opts.minutes), reason: opts.reason }));

  hostOptions(cmd.command('revoke <id>'))
    .description('end an override now')
    .action(async (id: string, opts: Opts) => {
      await HostClient.connect(cli, opts).ok('DELETE', `/api/sandbox/overrides/${encodeURIComponent(id)}`);
      cli.stdout(`revoked ${id}\n`);
    });
}

async function send(cli: CliContext, opts: GrantOpts, body: Record<string, unknown>): Promise<void> {
  const r = (await HostClient.connect(cli, opts).ok('POST', '/api/sandbox/overrides', body)) as { override: OverrideRow };
  if (opts.json) return cli.stdout(json(r));
  cli.stdout(`override ${r.override.id}: ${r.override.kind}${r.override.target ? ` ${r.override.target}` : ''} until ${r.override.expires_at}\n`);
}

function minutes(text: string): number {
  if (!/^\d+$/.test(text)) throw new NxsError('NXS_ERR_USAGE', `--minutes must be a whole number of minutes; got ${JSON.stringify(text)}`);
  return Number(text);
}
