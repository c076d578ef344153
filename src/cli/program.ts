import { Command, CommanderError } from 'commander';
import { EXIT } from '../core/errors.ts';
import { exitCodeFor } from '../error-registry.ts';
import { isNxsError, errorMessage } from '../core/errors.ts';
import type { CliContext } from './cli-context.ts';
import { COMMANDS, type RegisterCommand } from './commands.ts';
import { registerStart } from './commands/start.ts';

/** Builds the `nxs` program. Each command file registers itself from COMMANDS (or only those given). */
export function buildProgram(cli: CliContext, commands: readonly RegisterCommand[] = COMMANDS): Command {
  const program = new Command('nxs')
    .description('nxs: a survival host for an AI assistant, in one file')
    .version(cli.version, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run nxs --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: cli.stdout, writeErr: cli.stderr });
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 failure, 2 usage, 3 config, 4 host unreachable, 5 environment,\n6 not found, 7 denied, 8 busy, 9 integrity, 10 upstream. See README.md.',
  );
  for (const register of commands) register(program, cli);
  // Subcommands inherit exit and output behaviour so `nxs queue --bogus` is a usage error too.
  for (const cmd of allCommands(program)) {
    cmd.exitOverride().configureOutput({ writeOut: cli.stdout, writeErr: cli.stderr }).showHelpAfterError('(add --help for usage)');
  }
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the CLI; resolves to the exit code. Errors print one clear line on stderr. */
export async function runCli(argv: string[], base: CliContext): Promise<number> {
  let exitCode: number = EXIT.OK;
  const cli: CliContext = { ...base, setExitCode: (c) => (exitCode = c) };
  // `nxs start` (argv[0] exactly) needs no other command: registering all of them costs ~25 ms of the
  // start-up path. Anything else, including `nxs --help` and `nxs --port 1 start`, gets the whole program.
  const program = buildProgram(cli, argv[0] === 'start' ? [registerStart] : COMMANDS);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    cli.stderr(`nxs: ${isNxsError(err) ? `${err.message} [${err.code}]` : errorMessage(err)}\n`);
    return exitCodeFor(err);
  }
}
