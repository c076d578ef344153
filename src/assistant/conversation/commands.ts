import type { EventBus } from '../../core/events.ts';
import { errorMessage } from '../../core/errors.ts';
import type { MemoryFile } from '../identity/memory-file.ts';
import type { SlashCommand } from '../trust.ts';

export interface CommandDeps {
  memory: MemoryFile;
  events: EventBus;
  now: () => Date;
  status: () => string;
}

/** Runs an allowed slash command and returns the reply text. Privilege was decided before (trust.ts). */
export function runCommand(cmd: SlashCommand, conversationId: string, deps: CommandDeps): string {
  try {
    switch (cmd.name) {
      case 'help':
        return [
          'Commands:',
          '/remember <fact>: keep a fact in long-term memory (main conversation)',
          '/forget <words>: drop remembered facts containing the words (main conversation)',
          '/tier <name>: ask the host to change its tier (main conversation)',
          '/approve <id>: approve a pending doctor action (main conversation)',
          '/status: how the assistant is doing',
        ].join('\n');
      case 'status':
        return deps.status();
      case 'remember': {
        const r = deps.memory.add(cmd.args, deps.now());
        return `${r.added ? 'Remembered' : 'Already known (refreshed)'}: ${r.text}${r.dropped ? ` (${r.dropped} oldest fact${r.dropped > 1 ? 's' : ''} trimmed to stay within the memory budget)` : ''}`;
      }
      case 'forget': {
        const removed = deps.memory.forget(cmd.args);
        return `Forgot ${removed.length} fact${removed.length > 1 ? 's' : ''}:\n${removed.map((f) => `- ${f}`).join('\n')}`;
      }
      case 'tier':
      case 'approve': {
        if (!cmd.args) return `Usage: /${cmd.name} <${cmd.name === 'tier' ? 'tier name' : 'action id'}>`;
        // The doctor and the tier manager own these; the assistant only relays the owner's word.
        deps.events.emit(cmd.name === 'tier' ? 'assistant.tier-request' : 'assistant.doctor-approval', { conversationId, value: cmd.args });
        return `Requested: /${cmd.name} ${cmd.args}`;
      }
      default:
        return `Unknown command /${cmd.name}; try /help`;
    }
  } catch (err) {
    return `Could not do that: ${errorMessage(err)}`;
  }
}
