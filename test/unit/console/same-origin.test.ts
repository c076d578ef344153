import { describe, it, expect } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { checkSameOrigin } from '../../../src/console/session-auth.ts';
import { NxsError } from '../../../src/core/errors.ts';

function req(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers: { host: '127.0.0.1:7878', ...headers } } as unknown as IncomingMessage;
}

function verdict(method: string, headers: Record<string, string>): string {
  try {
    checkSameOrigin(req(method, headers));
    return 'ok';
  } catch (err) {
    return err instanceof NxsError ? err.code : 'thrown';
  }
}

// Why each row: the cookie goes with any request the browser makes to the host, so only the
// console's own origin may use it; a read the owner typed (Sec-Fetch-Site: none) is theirs.
describe('checkSameOrigin', () => {
  const table: [string, Record<string, string>, string][] = [
    ['GET', {}, 'ok'],
    ['GET', { 'sec-fetch-site': 'same-origin' }, 'ok'],
    ['GET', { 'sec-fetch-site': 'none' }, 'ok'],
    ['GET', { 'sec-fetch-site': 'same-site' }, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['GET', { 'sec-fetch-site': 'cross-site' }, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['POST', { origin: 'http://127.0.0.1:7878' }, 'ok'],
    ['POST', { origin: 'http://127.0.0.1:7878', 'sec-fetch-site': 'same-origin' }, 'ok'],
    ['POST', { 'sec-fetch-site': 'same-origin' }, 'ok'],
    ['POST', {}, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['POST', { origin: 'http://127.0.0.1:8080' }, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['POST', { origin: 'http://localhost:7878' }, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['POST', { origin: 'null' }, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['DELETE', { origin: 'https://127.0.0.1:7878' }, 'NXS_ERR_CONSOLE_ORIGIN'],
    ['POST', { origin: 'http://127.0.0.1:7878', 'sec-fetch-site': 'cross-site' }, 'NXS_ERR_CONSOLE_ORIGIN'],
  ];
  it.each(table)('%s %j -> %s', (method, headers, want) => {
    expect(verdict(method, headers)).toBe(want);
  });
});
