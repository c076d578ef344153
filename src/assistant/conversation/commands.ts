import type { EventBus } from '../../core/events.ts';
import { errorMessage } from '../../core/errors.ts';
import type { MemoryFile } from '../identity/memory-file.ts';
import type { SlashCommand } from '../trust.ts';

/** What the assistant needs of the doctor (src/doctor/doctor.ts implements it). */
export interface DoctorPort {
  requestTierChange(tier: string, by: string): { id: string; summary: string; status: string };
  approve(id: string, by: string): Promise<{ id: string; status: string; result: string | null }>;
  deny(id: string, by: string): { id: string; status: string };
}

export interface CommandDeps {
  memory: MemoryFile;
  events: EventBus;
  now: () => Date;
  status: () => string;
  /** Absent when the doctor is not running: tier and approval commands say so. */
  doctor?: DoctorPort | undefined;
}

/** Runs an allowed slash command and returns the reply text. Privilege was decided before (trust.ts). */
export async function runCommand(cmd: SlashCommand, conversationId: string, deps: CommandDeps): Promise<string> {
  try {
    switch (cmd.name) {
      case 'help':
        return [
          'Commands:',
          '/remember <fact>: keep a fact in long-term memory (main conversation)',
          '/forget <words>: drop remembered facts containing the words (main conversation)',
          '/tier <name>: ask the host to change its tier (main conversation)',
          '/approve <id>: approve a pending doctor action (main conversation)',
          '/deny <id>: refuse a pending doctor action (main conversation)',
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
      case 'approve':
      case 'deny': {
        if (!cmd.args) return `Usage: /${cmd.name} <${cmd.name === 'tier' ? 'tier name' : 'diagnosis id'}>`;
        // The doctor owns tier changes and approvals; the assistant relays the owner's word (and says who asked).
        if (!deps.doctor) return `Cannot do /${cmd.name}: the doctor is not running on this host.`;
        const by = `assistant:${conversationId}`;
        if (cmd.name === 'tier') {
          const d = deps.doctor.requestTierChange(cmd.args, by);
          return `Tier change recorded as diagnosis ${d.id} (${d.summary}); it waits for approval: reply /approve ${d.id} (or /deny ${d.id}).`;
        }
        if (cmd.name === 'deny') return `Denied ${deps.doctor.deny(cmd.args, by).id}; nothing was changed.`;
        const d = await deps.doctor.approve(cmd.args, by);
        return `Approved ${d.id}: ${d.result ?? d.status}`;
      }
      default:
        return `Unknown command /${cmd.name}; try /help`;
    }
  } catch (err) {
    return `Could not do that: ${errorMessage(err)}`;
  }
}
