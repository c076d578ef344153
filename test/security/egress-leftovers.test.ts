import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, expect, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { spawnCli } from '../helpers/cli-session.ts';
import { startTestHost } from '../helpers/test-host.ts';
import { selfIdentity } from '../../src/runtime/pid-lock.ts';

/**
 * Issue 14, item 11: each host start left an empty /tmp/nxs-egress-* folder
 * behind. A host that stops cleanly removes its own; one killed (SIGKILL, power
 * loss) never runs its stop, so the next start removes what a dead host left,
 * and only that. Every host here gets a private TMPDIR, so no other test's
 * folders are seen or touched.
 */
const leftovers = (dir: string): string[] => readdirSync(dir).filter((n) => /^nxs-(egress|fwd)-/.test(n)).sort();

test('a killed host leaves its temp folders; the next start removes them, its own go at stop, and no live or foreign folder is touched', async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'nxs-leftovers-'));
  onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  // As production: the sandbox user (65534 when tests run as root) must reach sockets by name here.
  chmodSync(base, 0o711);
  const tmp = path.join(base, 'tmp');
  mkdirSync(tmp, { mode: 0o711 });
  chmodSync(tmp, 0o711);
  const workspace = path.join(base, 'workspace');
  mkdirSync(workspace, { mode: 0o755 });
  const config = { sandbox: { workspace } };

  // The attack's first half: a host started as a user would, then killed before it could stop.
  const home = path.join(base, 'home');
  mkdirSync(home);
  writeFileSync(path.join(home, 'nxs.yaml'), stringify(config));
  await using crashed = spawnCli(['start', '--port', '0'], { env: { NXS_HOME: home, TMPDIR: tmp } });
  await crashed.waitFor('stdout', 'ready at');
  // The backend is chosen after ready (the forwarder's folder is made then, when bwrap works).
  await crashed.waitFor('stderr', /sandbox backend chosen|no sandbox backend works/);
  crashed.proc.kill('SIGKILL');
  await crashed.exited;
  const dead = leftovers(tmp);
  expect(dead.some((n) => n.startsWith('nxs-egress-'))).toBe(true);
  // A holder that is gone: the killed host's pid (any start time; the process no longer exists).
  const deadLock = `${crashed.proc.pid} 1\n`;

  // Folders the sweep must keep: another user's (even with a dead holder), one held by a
  // running process (this one), and one with no lock (an older nxs, or one being made now).
  const foreign = path.join(tmp, 'nxs-egress-foreign');
  mkdirSync(foreign, { mode: 0o711 });
  writeFileSync(path.join(foreign, 'owner.lock'), deadLock);
  chownSync(foreign, 65534, 65534);
  const live = path.join(tmp, 'nxs-egress-live');
  mkdirSync(live, { mode: 0o711 });
  const me = selfIdentity();
  writeFileSync(path.join(live, 'owner.lock'), `${me.pid} ${me.start}\n`);
  const unmarked = path.join(tmp, 'nxs-fwd-unmarked');
  mkdirSync(unmarked, { mode: 0o711 });
  const kept = ['nxs-egress-foreign', 'nxs-egress-live', 'nxs-fwd-unmarked'];

  // The next start sweeps what the dead host left...
  const host = await startTestHost({ config, env: { TMPDIR: tmp } });
  await host.parts.tools!.sandbox.selected();
  const running = leftovers(tmp);
  for (const n of dead) expect(running).not.toContain(n);
  expect(running.filter((n) => !kept.includes(n)).length).toBeGreaterThan(0); // its own, while it runs
  expect(host.logLines.some((l) => l.includes('removed temp folders left by a host that did not stop cleanly'))).toBe(true);

  // ...and a clean stop leaves nothing of its own.
  await host[Symbol.asyncDispose]();
  expect(leftovers(tmp)).toEqual(kept);
});
