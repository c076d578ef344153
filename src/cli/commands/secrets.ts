import type { Command } from 'commander';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { loadConfig } from '../../config/load.ts';
import { NxsError } from '../../core/errors.ts';
import { CredentialStore, credentialStorePaths } from '../../providers/credential-store.ts';
import { json } from '../output.ts';
import type { CliContext } from '../cli-context.ts';

/** Where a secret value is read from; tests give their own stream. Never argv. */
export type SecretInput = { stdin?: Readable; stdinIsTTY?: boolean };

function storeFor(cli: CliContext, opts: { config?: string; dataDir?: string }): CredentialStore {
  const { config } = loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
  return new CredentialStore(credentialStorePaths(config.home, config.dataDir));
}

/**
 * `nxs secrets set|ls|rm`: nxs's encrypted credential store (seed 001's
 * credentials.enc). Works without a running host: it edits the files; the host
 * resolves credentials on every call, so a new key is used at once.
 */
export function registerSecrets(program: Command, cli: CliContext & SecretInput): void {
  const secrets = program.command('secrets').description('keep provider keys in the encrypted store (AES-256-GCM; key in $NXS_HOME/keys)');
  const common = (c: Command) => c.option('--data-dir <dir>', 'the data folder (default $NXS_HOME/data)').option('--config <file>', 'config file');

  common(secrets.command('set <name>'))
    .description('store a credential; the value is read from stdin (never from the command line), e.g.  printf %s "$KEY" | nxs secrets set GROQ_API_KEY')
    .action(async (name: string, opts: { config?: string; dataDir?: string }) => {
      const value = await readValue(cli, name);
      storeFor(cli, opts).set(name, value);
      cli.stdout(`stored ${name} (${value.length} characters)\n`);
    });

  common(secrets.command('ls'))
    .description('list stored credential names (never values)')
    .option('--json', 'print JSON')
    .action((opts: { config?: string; dataDir?: string; json?: boolean }) => {
      const store = storeFor(cli, opts);
      const names = store.list();
      if (opts.json) cli.stdout(json({ file: store.paths.file, names }));
      else cli.stdout(names.length ? names.join('\n') + '\n' : `no credentials stored in ${store.paths.file}\n`);
    });

  common(secrets.command('rm <name>'))
    .description('remove a stored credential')
    .action((name: string, opts: { config?: string; dataDir?: string }) => {
      storeFor(cli, opts).remove(name);
      cli.stdout(`removed ${name}\n`);
    });
}

async function readValue(cli: CliContext & SecretInput, name: string): Promise<string> {
  const stdin = cli.stdin ?? process.stdin;
  const tty = cli.stdinIsTTY ?? Boolean(process.stdin.isTTY);
  if (tty) cli.stderr(`value for ${name} (input is not echoed; end with Enter): `);
  if (tty && 'setRawMode' in stdin && typeof (stdin as { setRawMode?: unknown }).setRawMode === 'function') {
    return readHiddenLine(stdin as NodeJS.ReadStream, cli);
  }
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  const value = text.replace(/\r?\n$/, '');
  if (!value) throw new NxsError('NXS_ERR_SECRET_INVALID', `no value on stdin for ${name}; pipe it in: printf %s "$KEY" | nxs secrets set ${name}`);
  return value;
}

function readHiddenLine(stdin: NodeJS.ReadStream, cli: CliContext): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          cli.stderr('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new NxsError('NXS_ERR_SECRET_INVALID', 'cancelled'));
          return;
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}
