import type { Access, Method, Route } from './route.ts';

const METHOD_ORDER: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A route's rule in words, as the matrix shows it. */
export function describeAccess(access: Access): { who: string; note: string } {
  switch (access.kind) {
    case 'public':
      return { who: 'no token', note: access.why };
    case 'capability':
      return { who: `\`${access.capability}\``, note: access.capability === 'ADMIN' ? 'the operator, or a token made with ADMIN' : `or ADMIN; without it: 403 \`Insufficient capabilities: ${access.capability} required\`` };
    case 'any-token':
      return { who: 'any token', note: access.why };
    case 'owner':
      return { who: 'any token, own only', note: access.scope };
  }
}

/**
 * docs/security-matrix.md: every route the API answers and who may call it, built from the routes'
 * own declarations so the document cannot drift from the code (test/security/route-matrix.test.ts
 * compares the file with this for a host started with every boot step).
 */
export function routeMatrix(routes: readonly Route[]): string {
  const rows = [...routes].sort((a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
  const lines = [
    '<!-- Generated from the routes\' `access` declarations; test/security/route-matrix.test.ts checks it (NXS_WRITE_MATRIX=1 rewrites it). -->',
    '',
    'Who may call each route of the HTTP API. Every route declares its rule (`access` in `src/http/route.ts`; a route without one does not compile).',
    'No token, or one the host does not know: 401. A missing capability: 403 with seed 004\'s body, before the handler runs; ADMIN holds every capability.',
    '"Own only": any token passes, and the handler shows it only what it created or is (a token bound to an agent is that agent); ADMIN sees everything.',
    'Another caller\'s job or message answers 404, as a missing one would.',
    'Without a token, the console\'s session cookie counts as the token that minted its link, with the capabilities the link asked for; with the cookie, a request from another origin is 403 (src/console/session-auth.ts).',
    '',
    '| Method | Path | Who | Scope / why |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const { who, note } = describeAccess(r.access);
    lines.push(`| ${r.method} | \`${r.path}\` | ${who} | ${note.replaceAll('|', '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}
