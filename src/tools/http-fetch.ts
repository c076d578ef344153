import type { Clock } from '../core/clock.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { EgressProxy } from '../sandbox/egress-proxy.ts';

export interface FetchArgs {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const MAX_REDIRECTS = 5;
const SHOWN_HEADERS = ['content-type', 'content-length', 'location', 'last-modified', 'etag', 'retry-after'];

/**
 * http_fetch from the host side, through the same egress proxy as sandboxed
 * commands (one tcp session per call, closed after). Redirects are followed by
 * hand so each hop is decided and audited on its own.
 */
export async function httpFetchTool(
  proxy: EgressProxy,
  who: { agentId: string; principal: string },
  args: FetchArgs,
  opts: { clock: Clock; timeoutMs: number; maxBytes: number; signal?: AbortSignal },
): Promise<Record<string, unknown>> {
  let url = parseHttpUrl(args.url);
  // undici is loaded on first use: at top level it would cost every start ~30 ms.
  const { ProxyAgent, fetch } = await import('undici');
  const session = await proxy.openSession(who, 'tcp');
  const agent = new ProxyAgent({ uri: session.url! });
  const controller = new AbortController();
  const timer = opts.clock.setTimeout(() => controller.abort(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const onAbort = (): void => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let method = args.method;
    let body = args.body;
    for (let hop = 0; ; hop++) {
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const { decision } = await proxy.decide(who, url.hostname, port, 'http_fetch');
      if (!decision.allowed) throw new NxsError('NXS_ERR_EGRESS_DENIED', `http_fetch to ${url.host} refused: ${decision.reason}`, { host: url.hostname, port });
      let res;
      try {
        res = await fetch(url, { method, headers: args.headers, body: method === 'GET' || method === 'HEAD' ? undefined : body, redirect: 'manual', dispatcher: agent, signal: controller.signal });
      } catch (err) {
        const cause = err instanceof Error && err.cause ? `: ${errorMessage(err.cause)}` : '';
        throw new NxsError('NXS_ERR_EGRESS_FAILED', `http_fetch ${url.href} failed: ${errorMessage(err)}${cause}`, { url: url.href });
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
        await res.body?.cancel();
        url = parseHttpUrl(new URL(location, url).href);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const { text, truncated, bytes } = await readBounded(res.body, opts.maxBytes);
      const headers: Record<string, string> = {};
      for (const h of SHOWN_HEADERS) {
        const v = res.headers.get(h);
        if (v !== null) headers[h] = v;
      }
      return { url: url.href, status: res.status, headers, body: truncated ? `${text}\n[... body truncated after ${opts.maxBytes} bytes ...]` : text, bytes, truncated };
    }
  } finally {
    opts.clock.clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    await agent.close().catch(() => {});
    await session.close();
  }
}

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NxsError('NXS_ERR_TOOL_ARGS', `http_fetch: "${text.slice(0, 200)}" is not a URL; expected http://host/path or https://host/path`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NxsError('NXS_ERR_TOOL_ARGS', `http_fetch: only http and https URLs; got ${url.protocol}`);
  if (url.username || url.password) throw new NxsError('NXS_ERR_TOOL_ARGS', 'http_fetch: credentials in the URL are refused; use an Authorization header');
  return url;
}

async function readBounded(body: ReadableStream<Uint8Array> | null, max: number): Promise<{ text: string; truncated: boolean; bytes: number }> {
  if (!body) return { text: '', truncated: false, bytes: 0 };
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let truncated = false;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - kept;
    if (value.length > room) {
      chunks.push(value.subarray(0, room));
      kept += room;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    kept += value.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated, bytes: kept };
}
