import path from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { NxsError } from '../../core/errors.ts';
import { SecretRedactor } from '../../core/secrets-redactor.ts';
import type { BackupDestination } from '../../assistant/config.ts';
import { identityDirOf } from '../../assistant/identity/identity-files.ts';
import { backupIdentity, restoreIdentity, type BackupResult } from '../../assistant/backup/identity-backup.ts';
import { urlSecret } from '../../assistant/backup/git.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import type { CliContext } from '../cli-context.ts';
import type { HostClientOptions } from '../host-client.ts';

interface IdentityOptions extends HostClientOptions {
  to?: string[];
  from?: string[];
  withCheckpoint?: boolean;
  force?: boolean;
  json?: boolean;
}

/** `git:<url>` or `folder:<path>` (a bare path is a folder). */
export function parseDestination(spec: string): BackupDestination {
  if (spec.startsWith('git:')) {
    const [target, branch] = spec.slice(4).split('#');
    if (!target) throw new NxsError('NXS_ERR_BAD_REQUEST', `destination ${spec} has no URL; expected git:<url>[#branch]`);
    return { kind: 'git', target, branch: branch || 'main' };
  }
  const target = spec.startsWith('folder:') ? spec.slice(7) : spec;
  if (!target) throw new NxsError('NXS_ERR_BAD_REQUEST', 'empty destination; expected git:<url>[#branch] or a folder path');
  return { kind: 'folder', target: path.resolve(target), branch: 'main' };
}

function collect(value: string, prev: string[] = []): string[] {
  return [...prev, value];
}

function latestCheckpoint(dir: string): string | undefined {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.nxsckpt'))
      .map((f) => ({ f: path.join(dir, f), t: statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)[0]?.f;
  } catch {
    return undefined;
  }
}

function setup(cli: CliContext, opts: IdentityOptions, specs: string[] | undefined) {
  const { config } = loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
  const destinations = specs?.length ? specs.map(parseDestination) : config.assistant.backup.destinations;
  const redactor = new SecretRedactor();
  for (const d of destinations) if (d.kind === 'git') redactor.add(urlSecret(d.target));
  const checkpointsDir = (config as { checkpoints?: { dir?: string } }).checkpoints?.dir ?? path.join(config.dataDir, 'checkpoints');
  return { config, destinations, redactor, identityDir: identityDirOf(config.dataDir), checkpointsDir };
}

function print(cli: CliContext, redactor: SecretRedactor, results: BackupResult[], asJson: boolean | undefined): void {
  const rows = results.map((r) => ({ ...r, destination: redactor.scrub(r.destination), detail: redactor.scrub(r.detail) }));
  cli.stdout(asJson ? json(rows) : table(['DESTINATION', 'OK', 'DETAIL'], rows.map((r) => [r.destination, r.ok ? 'yes' : 'NO', r.detail])));
}

export function registerIdentity(program: Command, cli: CliContext): void {
  const identity = program.command('identity').description('back up and restore the identity files (SOUL.md, MEMORY.md)');
  hostOptions(identity.command('backup'))
    .description('push the identity files to every destination (assistant.backup.destinations, or --to)')
    .option('--to <dest>', 'a destination: git:<url>[#branch] or a folder (repeatable)', collect)
    .option('--with-checkpoint', 'include the latest checkpoint file', false)
    .option('--json', 'print the results as JSON')
    .action(async (opts: IdentityOptions) => {
      const s = setup(cli, opts, opts.to);
      const results = await backupIdentity({ identityDir: s.identityDir, destinations: s.destinations, now: new Date(), ...(opts.withCheckpoint ? { checkpointFile: latestCheckpoint(s.checkpointsDir) } : {}) });
      print(cli, s.redactor, results, opts.json);
      if (results.every((r) => !r.ok)) throw new NxsError('NXS_ERR_BACKUP_FAILED', 'no destination took the backup');
      if (results.some((r) => !r.ok)) cli.setExitCode(1);
    });
  hostOptions(identity.command('restore'))
    .description('take the identity files from the first destination that answers (only missing files unless --force)')
    .option('--from <dest>', 'a source: git:<url>[#branch] or a folder (repeatable; tried in order)', collect)
    .option('--force', 'overwrite identity files that exist', false)
    .option('--json', 'print the result as JSON')
    .action(async (opts: IdentityOptions) => {
      const s = setup(cli, opts, opts.from);
      try {
        const r = await restoreIdentity({ identityDir: s.identityDir, destinations: s.destinations, overwrite: Boolean(opts.force) });
        if (opts.json) cli.stdout(json({ from: s.redactor.scrub(r.from), files: r.files }));
        else cli.stdout(`restored from ${s.redactor.scrub(r.from)}: ${r.files.join(', ') || 'nothing was missing (use --force to overwrite)'}\n`);
      } catch (err) {
        if (err instanceof NxsError) throw new NxsError(err.code, s.redactor.scrub(err.message));
        throw err;
      }
    });
}
