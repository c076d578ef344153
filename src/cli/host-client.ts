import path from 'node:path';
import { loadConfig, type Config, type ConfigFlags } from '../config/load.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import { readLiveHostFile } from '../runtime/host-file.ts';
import { readTokenFile, TOKEN_FILE } from '../boot/api-token.ts';
import { isLoopbackUrl } from '../detect/loopback.ts';
import { ERROR_CODE_HEADER } from '../http/respond.ts';
import type { CliContext } from './cli-context.ts';

export interface HostClientOptions extends ConfigFlags {
  /** Talk to this URL instead of the one in <data>/host.json. */
  url?: string;
  /** A file holding the token to send (for a host whose token is not this data folder's). */
  tokenFile?: string;
}

/** Where a command sends its requests and the token it sends. */
export interface HostAccess {
  url: string;
  token: string;
  config: Config;
}

/**
 * The host to talk to and the token to send. The operator's own token (the
 * config's, or the data folder's api-token file) goes only to this data
 * folder's host or to a loopback `--url`: `--url http://other-host` sent it
 * to whoever answered there. Another host gets a token only when one is
 * given for it (NXS_API_TOKEN or --token-file); never on the command line
 * itself, where every local user can read it in the process list.
 */
export function resolveHostAccess(cli: CliContext, opts: HostClientOptions): HostAccess {
  const { config } = loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
  // A host.json left by a killed host names a dead URL: that is "no host runs", not "it does not answer".
  const url = opts.url ?? readLiveHostFile(config.dataDir)?.url;
  if (!url) {
    throw new NxsError('NXS_ERR_HOST_UNREACHABLE', `no host is running for the data folder ${config.dataDir} (start one with: nxs start)`, { dataDir: config.dataDir });
  }
  const explicit = opts.tokenFile !== undefined ? tokenFromFile(opts.tokenFile) : cli.env.NXS_API_TOKEN || undefined;
  if (opts.url !== undefined && explicit === undefined && !isLoopbackUrl(opts.url)) {
    throw new NxsError('NXS_ERR_REMOTE_NEEDS_TOKEN', `--url ${opts.url} is not a loopback address of this machine, so the operator token of ${config.dataDir} is not sent there; give that host's token with NXS_API_TOKEN=... or --token-file FILE`, { url: opts.url });
  }
  const token = explicit ?? config.apiToken ?? readTokenFile(path.join(config.dataDir, TOKEN_FILE));
  if (!token) throw new NxsError('NXS_ERR_UNAUTHORIZED', `no API token: set NXS_API_TOKEN or start the host once so it writes ${path.join(config.dataDir, TOKEN_FILE)}`);
  return { url: url.replace(/\/$/, ''), token, config };
}

function tokenFromFile(file: string): string {
  const token = readTokenFile(path.resolve(file));
  if (!token) throw new NxsError('NXS_ERR_UNAUTHORIZED', `--token-file ${file} does not exist or is empty`);
  return token;
}

export interface HostResponse {
  status: number;
  body: unknown;
  /** The NXS_ERR_* code of an error response. */
  errorCode: string | undefined;
}

/**
 * How `nxs` commands reach a running host: the data folder (from the same
 * flags, environment and config file as `nxs start`) holds host.json (where it
 * listens) and api-token (the operator's token), unless NXS_API_TOKEN is set.
 */
export class HostClient {
  readonly url: string;
  readonly dataDir: string;
  private readonly token: string;

  private constructor(url: string, dataDir: string, token: string) {
    this.url = url;
    this.dataDir = dataDir;
    this.token = token;
  }

  static connect(cli: CliContext, opts: HostClientOptions): HostClient {
    const { url, token, config } = resolveHostAccess(cli, opts);
    return new HostClient(url, config.dataDir, token);
  }

  /** Sends a JSON request; a connection failure is NXS_ERR_HOST_UNREACHABLE. HTTP errors come back as responses. */
  call(method: string, pathname: string, body?: unknown, timeoutMs = 10_000): Promise<HostResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = process.getBuiltinModule('node:http').request(
        this.url + pathname,
        {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            const code = res.headers[ERROR_CODE_HEADER];
            resolve({ status: res.statusCode ?? 0, body: parsed, errorCode: typeof code === 'string' ? code : undefined });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new NxsError('NXS_ERR_HOST_UNREACHABLE', `the host at ${this.url} does not answer (${errorMessage(err)}); is it running? (nxs start)`, { url: this.url })));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Like `call`, but an HTTP error status becomes an NxsError carrying the host's code and message. */
  async ok(method: string, pathname: string, body?: unknown): Promise<unknown> {
    const res = await this.call(method, pathname, body);
    if (res.status >= 200 && res.status < 300) return res.body;
    const b = res.body as { error?: string | { message?: string } } | undefined;
    const code = res.errorCode ?? 'NXS_ERR_INTERNAL';
    const message = (typeof b?.error === 'object' ? b.error.message : b?.error) ?? `HTTP ${res.status}`;
    throw new NxsError(code.startsWith('NXS_ERR_') ? (code as `NXS_ERR_${string}`) : 'NXS_ERR_INTERNAL', message, { status: res.status });
  }
}
