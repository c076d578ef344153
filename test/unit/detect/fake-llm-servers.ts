import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 answering each path with the scripted handler. */
export async function fakeServer(handler: (path: string, res: http.ServerResponse) => void): Promise<FakeServer> {
  const requests: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req.url ?? '/', res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { url: `http://127.0.0.1:${port}`, port, requests, close, [Symbol.asyncDispose]: close };
}

const sendJson = (res: http.ServerResponse, body: unknown, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** LM Studio's OpenAI-shaped model list at /v1/models. */
export function fakeLmStudio(models: string[]): Promise<FakeServer> {
  return fakeServer((p, res) => (p === '/v1/models' ? sendJson(res, { object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'organization_owner' })) }) : sendJson(res, { error: 'not found' }, 404)));
}

/** Ollama's /api/tags. */
export function fakeOllama(models: string[]): Promise<FakeServer> {
  return fakeServer((p, res) => (p === '/api/tags' ? sendJson(res, { models: models.map((name) => ({ name, model: name, size: 1, digest: 'x' })) }) : sendJson(res, { error: 'not found' }, 404)));
}

/** Accepts connections and never answers: a blackhole on loopback. */
export function fakeBlackhole(): Promise<FakeServer> {
  return fakeServer(() => {});
}

/** A port that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = await fakeServer(() => {});
  await s.close();
  return s.port;
}
