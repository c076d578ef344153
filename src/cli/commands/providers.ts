import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../config/load.ts';
import { NxsError, isNxsError } from '../../core/errors.ts';
import { systemClock } from '../../core/clock.ts';
import { EventBus } from '../../core/events.ts';
import { SecretRedactor } from '../../core/secrets-redactor.ts';
import { createLogger } from '../../core/logger.ts';
import { openStore } from '../../store/database.ts';
import { PROVIDERS_MIGRATIONS } from '../../providers/migrations.ts';
import { FallbackClient } from '../../providers/client.ts';
import { CredentialStore, credentialStorePaths } from '../../providers/credential-store.ts';
import { resolveCredential } from '../../providers/credentials.ts';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import type { CliContext } from '../cli-context.ts';

/** `nxs providers ls|test`: through the running host when one answers, else from the config alone. */
export function registerProviders(program: Command, cli: CliContext): void {
  const cmd = program.command('providers').description('the LLM provider chain: state and a tiny test request');

  hostOptions(cmd.command('ls'))
    .description('list the chain with each provider\'s state (breaker, credential, sticky)')
    .option('--json', 'print JSON')
    .action(async (opts: HostClientOptions & { json?: boolean }) => {
      const remote = await viaHost(cli, opts, 'GET', '/api/providers');
      const data = remote ?? (await localList(cli, opts));
      if (opts.json) return void cli.stdout(json(data));
      const rows = (data.providers as Record<string, unknown>[]).map((p) => [String(p.name), String(p.base_url), (p.model as string) ?? '-', String(p.available ?? '-'), p.sticky ? 'yes' : '', (p.credential as string) ?? '', (p.last_error as string) ?? '']);
      cli.stdout(`mode: ${String(data.mode)}${remote ? '' : ' (no host running: from config)'}\n` + table(['NAME', 'BASE URL', 'MODEL', 'STATE', 'STICKY', 'CREDENTIAL', 'LAST ERROR'], rows));
    });

  hostOptions(cmd.command('test [name]'))
    .description('send a one-token request to each provider (or the named one)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: HostClientOptions & { json?: boolean }) => {
      const data = (await viaHost(cli, opts, 'POST', '/api/providers/test', name ? { name } : {})) ?? (await localTest(cli, opts, name));
      const results = data.results as { name: string; ok: boolean; ms: number; error?: string }[];
      if (opts.json) cli.stdout(json(data));
      else cli.stdout(table(['NAME', 'RESULT', 'MS', 'ERROR'], results.map((r) => [r.name, r.ok ? 'ok' : 'FAILED', Math.round(r.ms), r.error ?? ''])));
      if (results.some((r) => !r.ok)) throw new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', `${results.filter((r) => !r.ok).length} of ${results.length} provider(s) failed the test`);
    });

  hostOptions(cmd.command('usage'))
    .description('tokens used through the /v1 door per day, caller and provider (the running host\'s record)')
    .option('--days <n>', 'how many days back, today included (1-366)', days, 7)
    .option('--json', 'print JSON')
    .action(async (opts: HostClientOptions & { json?: boolean; days: number }) => {
      const data = (await HostClient.connect(cli, opts).ok('GET', `/api/providers/usage?days=${opts.days}`)) as { rows: Record<string, unknown>[]; totals: Record<string, number> };
      if (opts.json) return void cli.stdout(json(data));
      const rows = data.rows.map((r) => [String(r.day), String(r.principal), String(r.provider), Number(r.requests), Number(r.prompt_tokens), Number(r.completion_tokens)]);
      rows.push(['total', '', '', data.totals.requests ?? 0, data.totals.prompt_tokens ?? 0, data.totals.completion_tokens ?? 0]);
      cli.stdout(table(['DAY (UTC)', 'CALLER', 'PROVIDER', 'REQUESTS', 'PROMPT TOKENS', 'COMPLETION TOKENS'], rows));
    });
}

function days(value: string): number {
  const n = Number(value);
  if (!/^\d{1,3}$/.test(value) || n < 1 || n > 366) throw new InvalidArgumentError(`--days must be an integer from 1 to 366; got ${value}`);
  return n;
}

// A test waits on each provider's own timeouts in turn; the CLI's usual 10 s would cut it short.
const TEST_TIMEOUT_MS = 600_000;

async function viaHost(cli: CliContext, opts: HostClientOptions, method: string, pathname: string, body?: unknown): Promise<Record<string, unknown> | null> {
  try {
    const client = HostClient.connect(cli, opts);
    const res = await client.call(method, pathname, body, method === 'POST' ? TEST_TIMEOUT_MS : undefined);
    if (res.status >= 200 && res.status < 300) return res.body as Record<string, unknown>;
    const b = res.body as { code?: string; error?: string } | undefined;
    const code = b?.code?.startsWith('NXS_ERR_') ? (b.code as `NXS_ERR_${string}`) : 'NXS_ERR_INTERNAL';
    throw new NxsError(code, b?.error ?? `HTTP ${res.status}`, { status: res.status });
  } catch (err) {
    if (isNxsError(err) && err.code === 'NXS_ERR_HOST_UNREACHABLE' && !opts.url) return null;
    throw err;
  }
}

function localConfig(cli: CliContext, opts: HostClientOptions) {
  return loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') }).config;
}

async function localList(cli: CliContext, opts: HostClientOptions): Promise<Record<string, unknown>> {
  const config = localConfig(cli, opts);
  const store = new CredentialStore(credentialStorePaths(config.home, config.dataDir));
  const providers = [];
  for (const p of config.providers.chain) {
    const c = await resolveCredential(p, { env: cli.env, secretsDir: config.providers.client.secretsDir, store, redact: () => undefined });
    providers.push({ name: p.name, base_url: p.baseUrl, model: p.model ?? null, local: p.local, optional: p.optional, available: 'unknown', credential: c.source, sticky: false, last_error: null });
  }
  return { mode: 'unknown', providers };
}

/** A throwaway client (in-memory store, silent log) to test the configured chain without a host. */
async function localTest(cli: CliContext, opts: HostClientOptions, name: string | undefined): Promise<Record<string, unknown>> {
  const config = localConfig(cli, opts);
  const targets = config.providers.chain.filter((p) => !name || p.name === name);
  if (name && targets.length === 0) throw new NxsError('NXS_ERR_NOT_FOUND', `no provider named ${name} in the config`);
  const redactor = new SecretRedactor();
  const log = createLogger({ level: 'silent', redactor, destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const db = openStore({ file: ':memory:', synchronous: 'normal', busyTimeoutMs: 0, migrations: PROVIDERS_MIGRATIONS });
  const client = new FallbackClient({
    clock: systemClock, log, events: new EventBus({ log }), db, settings: config.providers.client, chain: targets,
    credentials: { env: cli.env, secretsDir: config.providers.client.secretsDir, store: new CredentialStore(credentialStorePaths(config.home, config.dataDir)), redact: (s) => redactor.add(s), prompt: cli.isTTY ? promptFor(cli) : undefined },
    scrub: (t) => redactor.scrub(t),
  });
  try {
    const results = [];
    for (const p of targets) results.push({ name: p.name, ...(await client.probe(p, undefined, true)) });
    return { mode: 'local', results };
  } finally {
    await client.close();
    db.close();
  }
}

function promptFor(cli: CliContext) {
  return async (p: { name: string; credential: { env: string } }): Promise<string | undefined> => {
    const { createInterface } = process.getBuiltinModule('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      cli.stderr(`no key found for ${p.name} (set ${p.credential.env} or run: nxs secrets set ${p.credential.env})\n`);
      const v = await rl.question(`key for ${p.name} (Enter to skip): `);
      return v.trim() || undefined;
    } finally {
      rl.close();
    }
  };
}
