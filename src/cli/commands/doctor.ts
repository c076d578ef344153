import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import type { CliContext } from '../cli-context.ts';

type Opts = HostClientOptions & { json?: boolean };
interface Diag {
  id: string;
  rule: string;
  severity: string;
  summary: string;
  fix: { kind: string };
  needs_approval: boolean;
  status: string;
  result: string | null;
  created_at: number;
}

/** `nxs doctor ls|approve|deny`: what the doctor found, and the fixes that wait for a human. */
export function registerDoctor(program: Command, cli: CliContext): void {
  const cmd = program.command('doctor').description('diagnoses of the self-healing doctor, and fixes waiting for approval');

  hostOptions(cmd.command('ls'))
    .description('list diagnoses, newest first')
    .option('--pending', 'only fixes waiting for approval')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { pending?: boolean }) => {
      const r = (await HostClient.connect(cli, opts).ok('GET', `/api/doctor/diagnoses${opts.pending ? '?status=pending' : ''}`)) as { diagnoses: Diag[] };
      const list = opts.pending ? r.diagnoses.filter((d) => d.needs_approval) : r.diagnoses;
      if (opts.json) return cli.stdout(json({ diagnoses: list }));
      const rows = list.map((d) => [d.id, new Date(d.created_at).toISOString(), d.severity, d.status, d.fix.kind, d.summary]);
      cli.stdout(table(['ID', 'WHEN', 'SEVERITY', 'STATUS', 'FIX', 'SUMMARY'], rows));
    });

  for (const verb of ['approve', 'deny'] as const) {
    hostOptions(cmd.command(`${verb} <id>`))
      .description(verb === 'approve' ? 'apply a fix that waits for approval' : 'refuse a fix that waits for approval')
      .option('--json', 'print JSON')
      .action(async (id: string, opts: Opts) => {
        const d = (await HostClient.connect(cli, opts).ok('POST', `/api/doctor/diagnoses/${encodeURIComponent(id)}/${verb}`)) as Diag;
        cli.stdout(opts.json ? json(d) : `${d.id}: ${d.status}${d.result ? ` (${d.result})` : ''}\n`);
      });
  }
}
