import type { Logger } from '../core/logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { Capability } from '../core/capabilities.ts';
import type { AgentInfo, Supervisor } from '../supervisor/types.ts';

type AgentDoor = Pick<Supervisor, 'list' | 'spawn'> & Partial<Pick<Supervisor, 'settingsOf' | 'moveIntoHost'>>;

/**
 * The assistant's identity in the supervisor's terms: an agent record named
 * `assistant.tools.agent` holding the capabilities the tools are gated by, so
 * every tool call and denial is audited under its agent id. The record is made
 * at first need and reused after; a restored checkpoint of the assistant
 * spawns a newer record of the same name, which then becomes the identity.
 *
 * The record is a host agent (runtime `host`): the assistant's work happens in
 * the host's own code, so a worker thread for it would only cost memory and a
 * heartbeat. A record an older version made (a worker with settings.role
 * 'assistant', e.g. restored from an older checkpoint) is moved into the host.
 */
export class AssistantAgent {
  private readonly supervisor: AgentDoor;
  private readonly name: string;
  private readonly capabilities: readonly Capability[];
  private readonly log: Logger;

  constructor(opts: { supervisor: AgentDoor; name: string; capabilities: readonly Capability[]; log: Logger }) {
    this.supervisor = opts.supervisor;
    this.name = opts.name;
    this.capabilities = opts.capabilities;
    this.log = opts.log;
  }

  /** The newest live record of the assistant's name (a stopped one no longer speaks for it). */
  current(): AgentInfo | null {
    return pickAssistant(this.supervisor.list(), this.name);
  }

  /** The agent id tools run as; spawns the record when there is none. Null (and a log line) when the supervisor refuses. */
  ensure(): string | null {
    const found = this.current();
    if (found) {
      const missing = this.capabilities.filter((c) => !found.capabilities.includes(c));
      if (missing.length) this.log.debug({ agent: found.agentId, missing }, 'the assistant agent was created with other capabilities than assistant.tools.capabilities; the record wins (kill it to re-create)');
      if (found.runtime === 'worker') this.adopt(found);
      return found.agentId;
    }
    try {
      const r = this.supervisor.spawn({ name: this.name, capabilities: [...this.capabilities], settings: { role: 'assistant' }, runtime: 'host' }, 'assistant');
      this.log.info({ agent: r.agent_id, capabilities: this.capabilities }, 'assistant agent record created');
      return r.agent_id;
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'cannot create the assistant agent record; tools are off for this answer');
      return null;
    }
  }

  /** A worker record of ours (role 'assistant') moves into the host; someone else's worker of this name is left running. */
  private adopt(found: AgentInfo): void {
    if (this.supervisor.settingsOf?.(found.agentId)?.role !== 'assistant' || !this.supervisor.moveIntoHost) return;
    try {
      this.supervisor.moveIntoHost(found.agentId, 'assistant');
    } catch (err) {
      this.log.warn({ agent: found.agentId, err: errorMessage(err) }, 'cannot move the assistant agent record into the host; it keeps its worker');
    }
  }

  isAssistant(agentId: string): boolean {
    return this.current()?.agentId === agentId;
  }
}

/** Pure: of the agents, the newest (highest id) live one with this name. */
export function pickAssistant(agents: readonly AgentInfo[], name: string): AgentInfo | null {
  let best: AgentInfo | null = null;
  for (const a of agents) {
    if (a.name !== name || a.state === 'stopped') continue;
    if (!best || Number(a.agentId) > Number(best.agentId)) best = a;
  }
  return best;
}
