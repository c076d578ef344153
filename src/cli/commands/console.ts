import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostClient, type HostClientOptions } from '../host-client.ts';
import { hostOptions } from '../options.ts';
import { json } from '../output.ts';
import { CAPABILITIES } from '../../core/capabilities.ts';
import { which } from '../../sandbox/which.ts';
import type { CliContext } from '../cli-context.ts';

type Opts = HostClientOptions & { json?: boolean; open?: boolean; cap?: string[] };

/** What opens a URL in the owner's browser, in the order tried. */
const OPENERS = ['xdg-open', 'sensible-browser', 'x-www-browser', 'open'];

function caps(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
  if (list.length === 0 || bad.length) throw new InvalidArgumentError(`expected capabilities from ${CAPABILITIES.join(', ')}${bad.length ? `; unknown: ${bad.join(', ')}` : ''}`);
  return list;
}

/**
 * `nxs console [--open]`: asks the running host for a one-time login link (POST /api/console/links,
 * with this command's token: the link carries at most its capabilities) and prints it. The link's
 * code works once, within a minute, and is exchanged by the page for a session cookie; the API
 * token itself never goes into the link.
 */
export function registerConsole(program: Command, cli: CliContext): void {
  hostOptions(program.command('console'))
    .description('print a one-time link that signs a browser in to the console (works once, within a minute)')
    .option('--open', 'also open the link in a browser on this machine, where one exists')
    .option('--cap <caps>', `give the console session only these capabilities, comma-separated (default: all of the token's; ${CAPABILITIES.join(', ')})`, caps)
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const client = HostClient.connect(cli, opts);
      const r = (await client.ok('POST', '/api/console/links', opts.cap ? { capabilities: opts.cap } : {})) as { path: string; capabilities: string[]; expires_at: string };
      const url = `${client.url}${r.path}`;
      if (opts.json) cli.stdout(json({ url, capabilities: r.capabilities, expires_at: r.expires_at }));
      else {
        cli.stdout(`${url}\n`);
        cli.stderr(`a one-time link for ${r.capabilities.join(',')}; it works once, until ${r.expires_at}\n`);
      }
      if (opts.open) openInBrowser(cli, client.dataDir, url);
    });
}

/**
 * Opens the link through a file in the data folder (0600, in a 0700 folder) that forwards to it: an
 * opener's command line is readable by every local user (ps, /proc), and a code seen there could be
 * used first. The file names no secret in its path; the code in it works once.
 */
function openInBrowser(cli: CliContext, dataDir: string, url: string): void {
  const opener = OPENERS.map((name) => which(name, cli.env.PATH)).find((p) => p !== null);
  if (!opener) {
    cli.stderr(`no browser opener on this machine (${OPENERS.join(', ')}); open the link above in a browser that reaches this host (an SSH tunnel: ssh -L 7878:127.0.0.1:7878 ...)\n`);
    return;
  }
  const file = path.join(dataDir, 'console-open.html');
  const href = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  writeFileSync(file, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>nxs console</title><a href="${href}">Open the nxs console</a>\n`, { mode: 0o600 });
  const child = spawn(opener, [file], { detached: true, stdio: 'ignore' });
  child.on('error', (err) => cli.stderr(`could not start ${opener}: ${err.message}; open the link above yourself\n`));
  child.unref();
}
