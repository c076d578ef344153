import { describe, it, expect } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LeanClient, parseAnswer } from '../../../bench/lib/lean-client.ts';

// bench:gateway's measuring client: it must read whole answers, keep-alive, and survive a server that
// ends the connection between requests (nginx after keepalive_requests), or the figures are wrong.
describe('bench lean client', () => {
  it('parses content-length and chunked answers, and waits for a partial one', () => {
    const cl = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1');
    expect(parseAnswer(cl)).toEqual({ status: 200, body: 'hello', used: cl.length - 8 });
    expect(parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel'))).toBeNull();
    const chunked = Buffer.from('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    expect(parseAnswer(chunked)).toEqual({ status: 201, body: 'abcde', used: chunked.length });
    expect(parseAnswer(chunked.subarray(0, chunked.length - 2))).toBeNull();
    expect(() => parseAnswer(Buffer.from('SSH-2.0\r\n\r\n'))).toThrow(/not an HTTP answer/);
    expect(() => parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n'))).toThrow(/neither content-length nor chunked/);
  });

  it('sends on one kept-alive connection and sends again when the server ends it between requests', async () => {
    const seen: string[] = [];
    let served = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
        // Every second answer closes its connection, as nginx does after keepalive_requests.
        res.writeHead(200, { 'content-type': 'application/json', ...(++served % 2 === 0 ? { connection: 'close' } : {}) });
        res.end(JSON.stringify({ n: served }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
    const client = new LeanClient(url);
    const request = LeanClient.post(url, { authorization: 'Bearer t' }, '{"a":1}');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await client.send(request));
    client.close();
    await new Promise<void>((r) => server.close(() => r()));
    expect(answers.map((a) => [a.status, JSON.parse(a.body).n])).toEqual([[200, 1], [200, 2], [200, 3], [200, 4]]);
    expect(seen).toEqual(Array(4).fill('POST /v1/chat/completions Bearer t {"a":1}'));
  });
});
