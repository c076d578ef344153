import type { Command } from 'commander';
import { verifyRelease, type VerifyResult } from '../../install/verify.ts';
import { BUILT_IN_RELEASE_KEY } from '../../install/release-key.ts';
import { json } from '../output.ts';
import type { CliContext } from '../cli-context.ts';

export function registerVerify(program: Command, cli: CliContext): void {
  program
    .command('verify')
    .argument('<file>', 'the downloaded file (dist/nxs, dist/nxs-arm64)')
    .description(
      'check a release file against SHA256SUMS and its Ed25519 signature by the release key built into this nxs, or --key (exit 0 ok, 9 integrity failure)',
    )
    .option('--key <pub>', 'the release public key, from a channel you trust (default: the key built into this nxs; a key next to FILE is never used)')
    .option('--sums <file>', 'the checksum list (default: SHA256SUMS next to FILE)')
    .option('--sig <file>', 'the detached signature (default: <sums>.sig)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { key?: string; sums?: string; sig?: string; json?: boolean }) => {
      const r = await verifyRelease({ file, key: o.key, sums: o.sums, sig: o.sig, builtInKey: BUILT_IN_RELEASE_KEY });
      cli.stdout(o.json ? json(r) : verifiedLines(r));
    });
}

/** Says what was checked, and plainly what was not. */
export function verifiedLines(r: VerifyResult): string {
  const sum = `checked: the sha256 of ${r.name} (${r.sha256}) is the one ${r.sums} lists`;
  if (r.signature) {
    const key = r.signature.keySource === 'built-in' ? 'the release key built into this nxs' : `the key in ${r.signature.keyFile}`;
    return `ok: ${r.name}\n${sum}\nchecked: ${r.signature.sig} is a valid signature of that list by ${key}, fingerprint ${r.signature.keyFingerprint}\n`;
  }
  const why = 'this nxs has no release key built in, so no signature was checked (pass --key with the release key from a channel you trust)';
  return `ok (checksum only): ${r.name}\n${sum}\nnot checked: who made the list; ${why}\n`;
}
