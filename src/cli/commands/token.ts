import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json, table } from '../output.ts';
import { CAPABILITIES } from '../../core/capabilities.ts';
import type { CliContext } from '../cli-context.ts';

type Opts = HostClientOptions & { json?: boolean };

function positive(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,13}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${flag} must be a positive integer; got ${value}`);
    return Number(value);
  };
}

function modelList(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError('expected model names, comma-separated (as nxs lists them at /v1/models; auto for the whole chain)');
  return list;
}

function caps(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
  if (list.length === 0 || bad.length) throw new InvalidArgumentError(`expected capabilities from ${CAPABILITIES.join(', ')}${bad.length ? `; unknown: ${bad.join(', ')}` : ''}`);
  return list;
}

/**
 * `nxs token ...` talks to the running host (POST/GET/DELETE /api/tokens) with
 * the operator's token, so the host hashes and registers the new token itself.
 */
export function registerToken(program: Command, cli: CliContext): void {
  const token = program.command('token').description('API tokens with their own capabilities (the operator\'s token has ADMIN)');

  hostOptions(token.command('create'))
    .description('make a token; it is printed once and only its hash is kept')
    .requiredOption('--cap <caps>', `capabilities, comma-separated (${CAPABILITIES.join(', ')})`, caps)
    .option('--agent <id>', 'bind the token to an agent: it acts as that agent, with at most its capabilities')
    .option('--name <name>', 'a label for nxs token ls')
    .option('--models <names>', 'at the /v1 door: only these models, comma-separated (auto for the whole chain); 403 for others', modelList)
    .option('--rpm <n>', 'at the /v1 door: requests per minute (429 rate_limit_exceeded beyond)', positive('--rpm'))
    .option('--tpm <n>', 'at the /v1 door: prompt + completion tokens per minute (429 rate_limit_exceeded beyond)', positive('--tpm'))
    .option('--daily-tokens <n>', 'at the /v1 door: prompt + completion tokens per UTC day (429 insufficient_quota beyond)', positive('--daily-tokens'))
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { cap: string[]; agent?: string; name?: string; models?: string[]; rpm?: number; tpm?: number; dailyTokens?: number }) => {
      const limits = { ...(opts.rpm ? { requests_per_minute: opts.rpm } : {}), ...(opts.tpm ? { tokens_per_minute: opts.tpm } : {}), ...(opts.dailyTokens ? { daily_tokens: opts.dailyTokens } : {}) };
      const body = {
        capabilities: opts.cap,
        ...(opts.agent ? { agent_id: opts.agent } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.models ? { models: opts.models } : {}),
        ...(Object.keys(limits).length ? { limits } : {}),
      };
      const r = (await HostClient.connect(cli, opts).ok('POST', '/api/tokens', body)) as Record<string, unknown>;
      if (opts.json) cli.stdout(json(r));
      else cli.stdout(`${String(r.token)}\n`);
      if (!opts.json) cli.stderr(`token ${String(r.token_id)} (${(r.capabilities as string[]).join(',')}) created; it is shown only now\n`);
    });

  hostOptions(token.command('ls'))
    .description('list tokens (never their values)')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const r = (await HostClient.connect(cli, opts).ok('GET', '/api/tokens')) as { tokens: Record<string, any>[] };
      if (opts.json) return cli.stdout(json(r));
      cli.stdout(table(['ID', 'NAME', 'CAPABILITIES', 'AGENT', 'MODELS', 'RPM', 'TPM', 'DAILY TOKENS', 'CREATED', 'REVOKED'], r.tokens.map((t) => [t.token_id, t.name, (t.capabilities as string[]).join(','), t.agent_id, t.models ? (t.models as string[]).join(',') : null, t.limits?.requests_per_minute ?? null, t.limits?.tokens_per_minute ?? null, t.limits?.daily_tokens ?? null, new Date(t.created_at).toISOString(), t.revoked_at ? new Date(t.revoked_at).toISOString() : null])));
    });

  hostOptions(token.command('revoke').argument('<id>', 'token id (see nxs token ls)'))
    .description('revoke a token: it answers 401 from now on')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: Opts) => {
      const r = await HostClient.connect(cli, opts).ok('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
      cli.stdout(opts.json ? json(r) : `revoked token ${id}\n`);
    });
}
