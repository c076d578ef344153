import { readdirSync } from 'node:fs';
import { readText } from '../probe.ts';
import { under } from '../probe.ts';
import type { OsFacts, ProbeEnv } from '../facts.ts';

/** Platform, distro (/etc/os-release), kernel, architecture and libc, from files rather than spawning. */
export async function probeOs(pe: ProbeEnv): Promise<OsFacts> {
  const [kernel, osRelease, libc] = await Promise.all([
    readText(pe.root, '/proc/sys/kernel/osrelease'),
    readText(pe.root, '/etc/os-release').then((t) => t ?? readText(pe.root, '/usr/lib/os-release')),
    probeLibc(pe),
  ]);
  return {
    platform: process.platform,
    arch: process.arch,
    kernel: kernel?.trim() || null,
    distro: osRelease === null ? null : parseOsRelease(osRelease),
    libc,
  };
}

/** Parses os-release's shell-like `KEY="value"` lines. */
export function parseOsRelease(text: string): OsFacts['distro'] {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    kv.set(m[1]!, v.replace(/\\(["$`\\])/g, '$1'));
  }
  const id = kv.get('ID') ?? 'linux';
  const name = kv.get('NAME') ?? id;
  return { id, name, version: kv.get('VERSION_ID') ?? null, prettyName: kv.get('PRETTY_NAME') ?? name };
}

/**
 * glibc first: a libc.so.6 in the usual folders. A Debian box may also carry
 * musl's loader (the `musl` package puts ld-musl-<arch>.so.1 in /lib) and is
 * still a glibc box. musl's loader name carries no version. The glibc version
 * comes from process.report for the real root, except under the shipped loader
 * (the header sets NXS_LAUNCHER), where the report names the shipped glibc.
 */
async function probeLibc(pe: ProbeEnv): Promise<OsFacts['libc']> {
  for (const dir of ['/lib', '/lib64', '/usr/lib', '/usr/lib64', `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`]) {
    if (!(await listDir(under(pe.root, dir))).includes('libc.so.6')) continue;
    const v = pe.root === '/' && !pe.env.NXS_LAUNCHER ? (pe.glibcVersionRuntime ?? glibcFromReport)() : undefined;
    return { family: 'glibc', version: v ?? null };
  }
  const libs = await listDir(under(pe.root, '/lib'));
  if (libs.some((f) => f.startsWith('ld-musl-'))) return { family: 'musl', version: null };
  return { family: 'unknown', version: null };
}

function glibcFromReport(): string | undefined {
  // excludeNetwork keeps getReport from resolving host names (a DNS wait on a dead network).
  (process.report as { excludeNetwork?: boolean }).excludeNetwork = true;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime;
}

/** Synchronous: only the system's library folders are listed (see isSystemPath in probe.ts). */
async function listDir(dir: string): Promise<string[]> {
  try {
    return readdirSync(dir);
  } catch {
    // A missing or unreadable folder just means "not this libc".
    return [];
  }
}
