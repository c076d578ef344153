import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import { formatBytes } from '../../core/format-bytes.ts';
import { NxsError, errorMessage } from '../../core/errors.ts';
import type { CliContext } from '../cli-context.ts';
import { loadConfig } from '../../config/load.ts';
import { applyStagedHost, undoStagedHost } from '../../checkpoints/apply-staged.ts';

type Opts = HostClientOptions & { json?: boolean };

/** `nxs checkpoint ...`: everything goes through the running host, which holds the keys. */
export function registerCheckpoint(program: Command, cli: CliContext): void {
  const cmd = program.command('checkpoint').description('signed, encrypted checkpoints of agents and of the whole host');
  const client = (opts: Opts): HostClient => HostClient.connect(cli, opts);
  const out = (opts: Opts, value: unknown, text: string): void => cli.stdout(opts.json ? json(value) : text + '\n');

  hostOptions(cmd.command('create [agentId]'))
    .description('checkpoint one agent, or the whole host with --host')
    .option('--host', 'a whole-host checkpoint (store backup and identity files)')
    .option('--json', 'print JSON')
    .action(async (agentId: string | undefined, opts: Opts & { host?: boolean }) => {
      if (Boolean(agentId) === Boolean(opts.host)) throw new NxsError('NXS_ERR_USAGE', 'give an AGENT_ID or --host (one of them)');
      const r = (await client(opts).ok('POST', opts.host ? '/api/checkpoints/host' : `/api/agents/${encodeURIComponent(agentId!)}/checkpoint`)) as { checkpoint_id: string };
      out(opts, r, r.checkpoint_id);
    });

  hostOptions(cmd.command('ls'))
    .description('list checkpoints, newest first')
    .option('--agent <id>', 'only this agent\'s')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { agent?: string }) => {
      const r = (await client(opts).ok('GET', `/api/checkpoints${opts.agent ? `?agent_id=${encodeURIComponent(opts.agent)}` : ''}`)) as { checkpoints: { checkpoint_id: string; kind: string; agent_id: string | null; agent_name: string | null; created_at: number; bytes: number; origin: string }[] };
      const rows = r.checkpoints.map((c) => [c.checkpoint_id, c.kind, c.agent_name ? `${c.agent_name} (${c.agent_id})` : c.agent_id, new Date(c.created_at).toISOString(), formatBytes(c.bytes), c.origin]);
      out(opts, r, table(['ID', 'KIND', 'AGENT', 'CREATED', 'SIZE', 'ORIGIN'], rows).trimEnd());
    });

  hostOptions(cmd.command('verify <id>'))
    .description('check signature, key, archive and checksums (exit 9 when it fails)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts) => {
      const r = (await client(opts).ok('GET', `/api/checkpoints/${encodeURIComponent(id)}/verify`)) as { files: number; signer: string };
      out(opts, r, `${id}: valid (signed by ${r.signer}, ${r.files} files)`);
    });

  hostOptions(cmd.command('restore <id>'))
    .description('restore an agent checkpoint as a new agent; a host checkpoint is staged, then applied with --apply-staged once the host is stopped')
    .option('--apply-staged', 'with the host stopped: put a staged whole-host checkpoint in place (what it replaces is kept)')
    .option('--undo-apply', 'with the host stopped: put back what --apply-staged replaced')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts & { applyStaged?: boolean; undoApply?: boolean }) => {
      if (opts.applyStaged && opts.undoApply) throw new NxsError('NXS_ERR_USAGE', 'give --apply-staged or --undo-apply, not both');
      if (opts.applyStaged || opts.undoApply) {
        const { config } = loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
        if (opts.undoApply) {
          const u = undoStagedHost(config.dataDir, id);
          return out(opts, u, `put back ${u.restored.length} files in ${config.dataDir}; what the restore had written is in ${u.undone}; start the host with: nxs start`);
        }
        const r = applyStagedHost(config.dataDir, id, { sqliteBinding: cli.paths.sqliteBinding });
        return out(opts, r, `restored ${r.files.length} files into ${config.dataDir}; what they replaced is in ${r.previous} (undo with: nxs checkpoint restore ${id} --undo-apply); start the host with: nxs start`);
      }
      const r = (await client(opts).ok('POST', '/api/agents/restore', { checkpoint_id: id })) as { agent_id?: string; instance_id?: string; staged?: string };
      out(opts, r, r.staged ? `staged in ${r.staged}` : `restored as agent ${r.agent_id} (instance ${r.instance_id})`);
    });

  hostOptions(cmd.command('rm <id>'))
    .description('delete a checkpoint')
    .action(async (id: string, opts: Opts) => {
      await client(opts).ok('DELETE', `/api/checkpoints/${encodeURIComponent(id)}`);
      cli.stdout(`removed ${id}\n`);
    });

  hostOptions(cmd.command('export <id> <file>'))
    .description('write a portable copy, encrypted under a passphrase (NXS_CHECKPOINT_PASSPHRASE or --passphrase-file, - for stdin)')
    .option('--passphrase-file <file>', 'read the passphrase from this file (- for stdin)')
    .option('--json', 'print JSON')
    .action(async (id: string, file: string, opts: Opts & { passphraseFile?: string }) => {
      const passphrase = readPassphrase(cli, opts.passphraseFile);
      const r = (await client(opts).ok('POST', `/api/checkpoints/${encodeURIComponent(id)}/export`, { file: path.resolve(file), passphrase })) as { file: string; bytes: number; signer: string };
      out(opts, r, `wrote ${r.file} (${formatBytes(r.bytes)}), signed by ${r.signer}. The other host imports it once it trusts this one: nxs checkpoint pubkey > this-host.pub here, nxs checkpoint trust add this-host.pub there, then nxs checkpoint import ${path.basename(r.file)} --signer ${r.signer}`);
    });

  hostOptions(cmd.command('import <file>'))
    .description('verify and store a portable checkpoint from another host')
    .option('--passphrase-file <file>', 'read the passphrase from this file (- for stdin)')
    .option('--signer <fingerprint>', 'refuse the file unless the exporting host\'s key has this fingerprint')
    .option('--allow-untrusted-signer', 'accept a file signed by a key this host does not trust (audited as such)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: Opts & { passphraseFile?: string; signer?: string; allowUntrustedSigner?: boolean }) => {
      const passphrase = readPassphrase(cli, opts.passphraseFile);
      const body = { file: path.resolve(file), passphrase, ...(opts.signer ? { signer: opts.signer } : {}), ...(opts.allowUntrustedSigner ? { allow_untrusted_signer: true } : {}) };
      const r = (await client(opts).ok('POST', '/api/checkpoints/import', body)) as { checkpoint_id: string; signer: string; trust: string };
      out(opts, r, `imported as ${r.checkpoint_id} (signed by ${r.signer}, ${r.trust}); restore it with: nxs checkpoint restore ${r.checkpoint_id}`);
    });

  hostOptions(cmd.command('pubkey'))
    .description('print this host\'s checkpoint signing public key (give it to nxs checkpoint trust add on another host)')
    .action(async (opts: Opts) => {
      const r = (await client(opts).ok('GET', '/api/checkpoints/trust')) as { self: { public_key_pem: string } };
      cli.stdout(r.self.public_key_pem);
    });

  const trust = cmd.command('trust').description('the other hosts\' signing keys whose checkpoints import accepts');
  hostOptions(trust.command('add <pubkey-file>'))
    .description('trust checkpoints signed by this public key (PEM from nxs checkpoint pubkey on the other host; - for stdin)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: Opts) => {
      let text: string;
      try {
        text = readFileSync(file === '-' ? '/dev/stdin' : file, 'utf8');
      } catch (err) {
        throw new NxsError('NXS_ERR_USAGE', `cannot read the public key from ${file}: ${errorMessage(err)}`);
      }
      const r = (await client(opts).ok('POST', '/api/checkpoints/trust', { public_key: text })) as { signer: string; added: boolean };
      out(opts, r, r.added ? `trusted ${r.signer}` : `${r.signer} was trusted already`);
    });
  hostOptions(trust.command('ls'))
    .description('this host\'s own signer and the trusted ones')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const r = (await client(opts).ok('GET', '/api/checkpoints/trust')) as { self: { signer: string }; trusted: { signer: string }[] };
      out(opts, r, table(['SIGNER', 'WHY'], [[r.self.signer, 'this host'], ...r.trusted.map((t) => [t.signer, 'trusted'])]).trimEnd());
    });
  hostOptions(trust.command('rm <fingerprint>'))
    .description('stop trusting a signer')
    .action(async (fingerprint: string, opts: Opts) => {
      await client(opts).ok('DELETE', `/api/checkpoints/trust/${encodeURIComponent(fingerprint)}`);
      cli.stdout(`no longer trusted: ${fingerprint}\n`);
    });
}

function readPassphrase(cli: CliContext, file: string | undefined): string {
  let p: string | undefined;
  if (file) {
    try {
      p = readFileSync(file === '-' ? '/dev/stdin' : file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new NxsError('NXS_ERR_CHECKPOINT_PASSPHRASE', `cannot read the passphrase from ${file}: ${errorMessage(err)}`);
    }
  } else p = cli.env.NXS_CHECKPOINT_PASSPHRASE;
  if (!p || p.length < 8) throw new NxsError('NXS_ERR_CHECKPOINT_PASSPHRASE', 'a passphrase of at least 8 characters is needed: set NXS_CHECKPOINT_PASSPHRASE or pass --passphrase-file FILE (- for stdin)');
  return p;
}
