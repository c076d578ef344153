import type { Command } from 'commander';
import { verifyRelease } from '../../install/verify.ts';
import { json } from '../output.ts';
import type { CliContext } from '../cli-context.ts';

export function registerVerify(program: Command, cli: CliContext): void {
  program
    .command('verify')
    .argument('<file>', 'the downloaded file (dist/nxs, dist/nxs-arm64)')
    .description('check a release file against SHA256SUMS and its Ed25519 signature (exit 0 ok, 9 integrity failure)')
    .option('--key <pub>', 'the release public key, from a channel you trust (default: nxs-release.pub next to FILE)')
    .option('--sums <file>', 'the checksum list (default: SHA256SUMS next to FILE)')
    .option('--sig <file>', 'the detached signature (default: <sums>.sig)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: { key?: string; sums?: string; sig?: string; json?: boolean }) => {
      const r = await verifyRelease({ file, key: o.key, sums: o.sums, sig: o.sig });
      if (o.json) cli.stdout(json(r));
      else cli.stdout(`ok: ${r.name} sha256 ${r.sha256} is in ${r.sums}, signed by key ${r.keyFingerprint}\n`);
    });
}
