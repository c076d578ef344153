import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerProviders } from './commands/providers.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerAgents, registerBoot } from './commands/agents.ts';
import { registerToken } from './commands/token.ts';
import { registerQueue } from './commands/queue.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerDetect } from './commands/detect.ts';
import { registerCheckpoint } from './commands/checkpoint.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerChat } from './commands/chat.ts';
import { registerMemory } from './commands/memory.ts';
import { registerIdentity } from './commands/identity.ts';
import { registerInstall } from './commands/install.ts';
import { registerHealth } from './commands/health.ts';
import { registerVerify } from './commands/verify.ts';
import { registerSandbox } from '../sandbox/cli.ts';
import { registerConsole } from './commands/console.ts';

export type RegisterCommand = (program: Command, cli: CliContext) => void;

/** Every top-level command, in the order `nxs --help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerStatus,
  registerProviders,
  registerSecrets,
  registerAgents,
  registerToken,
  registerBoot,
  registerQueue,
  registerTasks,
  registerDetect,
  registerCheckpoint,
  registerDoctor,
  registerChat,
  registerMemory,
  registerIdentity,
  registerInstall,
  registerHealth,
  registerVerify,
  registerSandbox,
  registerConsole,
];
