import { hash } from 'node:crypto';
import { NxsError } from '../core/errors.ts';
import { STREAMED, publicAccess, type Route } from '../http/route.ts';

/**
 * Every console page and file answers with these. The CSP allows this origin only and no inline
 * script or style (so an injected string can never run), no framing (clickjacking), no form posts
 * elsewhere; the referrer is never sent (the login link's code lives in the fragment, which
 * browsers never send, and the page drops it from history at once).
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * `GET /`, `GET /login` (the page, which signs in with the code in its fragment) and
 * `GET /console/:file` (its script and style). Public: they are the same bytes for everyone, carry
 * no data (the page asks the API, which checks the session), and a browser must load them before
 * it has a session.
 */
export function assetRoutes(files: ReadonlyMap<string, string>): Route[] {
  const assets = new Map<string, Asset>();
  for (const [name, text] of files) {
    const body = Buffer.from(text, 'utf8');
    assets.set(name, { body, type: TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream', etag: `"${hash('sha256', body, 'base64url').slice(0, 22)}"` });
  }
  const page = assets.get('index.html');
  if (!page) throw new NxsError('NXS_ERR_INTERNAL', 'the console has no index.html (src/console/static)');
  const serve = (asset: Asset): Route['handler'] => ({ raw, res }) => {
    // The files change only with the binary: the browser revalidates (one cheap 304) rather than caching blindly.
    const headers = { ...CONSOLE_HEADERS, 'cache-control': 'no-cache', etag: asset.etag };
    if (raw.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
    } else {
      res.writeHead(200, { ...headers, 'content-type': asset.type, 'content-length': asset.body.length });
      res.end(asset.body);
    }
    return STREAMED;
  };
  const why = 'the console page: the same static bytes for everyone, no data; the page asks the API, which checks its session';
  return [
    { method: 'GET', path: '/', access: publicAccess(why), handler: serve(page) },
    { method: 'GET', path: '/login', access: publicAccess(`${why}; signs in with the one-time code in the link's fragment, which never reaches the server's logs`), handler: serve(page) },
    {
      method: 'GET',
      path: '/console/:file',
      access: publicAccess("the console's script and style: static, no data"),
      handler: (req) => {
        const asset = req.params.file === 'index.html' ? undefined : assets.get(req.params.file!);
        if (!asset) throw new NxsError('NXS_ERR_NOT_FOUND', `the console has no file ${req.params.file}`);
        return serve(asset)(req);
      },
    },
  ];
}
