import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { MemoryFile } from '../../assistant/identity/memory-file.ts';
import { identityDirOf } from '../../assistant/identity/identity-files.ts';
import { hostOptions } from '../options.ts';
import { json } from '../output.ts';
import type { CliContext } from '../cli-context.ts';
import type { HostClientOptions } from '../host-client.ts';

/** MEMORY.md of the data folder: works on the file, with or without a running host (the host re-reads it at the next message). */
function memoryFile(cli: CliContext, opts: HostClientOptions): MemoryFile {
  const { config } = loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
  let shipped = '# Memory\n';
  try {
    shipped = new MemoryFile(cli.paths.identityDir, { budgetBytes: config.assistant.memoryMaxBytes, shippedDefault: shipped }).read();
  } catch {
    // the payload's copy is unreadable: an empty memory is a fine start
  }
  return new MemoryFile(identityDirOf(config.dataDir), { budgetBytes: config.assistant.memoryMaxBytes, shippedDefault: shipped });
}

export function registerMemory(program: Command, cli: CliContext): void {
  const memory = program.command('memory').description("read and edit the assistant's long-term memory (MEMORY.md)");
  hostOptions(memory.command('show'))
    .description('print MEMORY.md')
    .option('--json', 'print the facts as JSON')
    .action((opts: HostClientOptions & { json?: boolean }) => {
      const m = memoryFile(cli, opts);
      cli.stdout(opts.json ? json({ file: m.file, facts: m.facts() }) : m.read());
    });
  hostOptions(memory.command('add'))
    .description('remember a fact (one line; duplicates are refreshed, the oldest facts trimmed past the budget)')
    .argument('<fact...>', 'the fact')
    .action((words: string[], opts: HostClientOptions) => {
      const r = memoryFile(cli, opts).add(words.join(' '), new Date());
      cli.stdout(`${r.added ? 'remembered' : 'already known (refreshed)'}: ${r.text}${r.dropped ? ` (${r.dropped} oldest trimmed)` : ''}\n`);
    });
  hostOptions(memory.command('forget'))
    .description('forget every fact containing the given words (case-insensitive)')
    .argument('<words...>', 'words the facts contain')
    .action((words: string[], opts: HostClientOptions) => {
      const removed = memoryFile(cli, opts).forget(words.join(' '));
      cli.stdout(`forgot ${removed.length}:\n${removed.map((f) => `- ${f}`).join('\n')}\n`);
    });
}
