import type { BootStep } from '../boot/boot-step.ts';
import type { Supervisor } from '../supervisor/types.ts';
import type { Assistant } from '../assistant/assistant.ts';
import type { Toolbox } from './toolbox.ts';
import { errorMessage, isNxsError } from '../core/errors.ts';
import { createToolbox } from './toolbox.ts';
import { sandboxRoutes } from '../sandbox/routes.ts';
import { AssistantAgent } from '../assistant/assistant-agent.ts';
import { observedAudit } from '../metrics/observed-audit.ts';

/**
 * Boot step `tools`: builds the sandbox (bwrap probe, tens of ms; a container
 * runtime is probed in the background only if bwrap fails) and the toolbox,
 * given as `tools`. A sandbox misconfiguration (a mount showing the data folder,
 * say) leaves the host up without tools and says why in status, rather than
 * stopping a survival host.
 */
export const toolsStep: BootStep<{ supervisor?: Supervisor; assistant?: Assistant }, { tools?: Toolbox }> = {
  name: 'tools',
  async start(ctx, parts) {
    const supervisor = parts.supervisor;
    if (!supervisor) {
      ctx.log.error('tools: no supervisor on this host (the supervisor step must run first); agent tools are off');
      parts.status.set('sandbox', () => ({ backend: null, error: 'no supervisor: agent tools are off' }));
      return {};
    }
    try {
      // The backend probe spawns bwrap: it waits for the host to be ready, so readiness never pays for it.
      // Tool calls and egress decisions are counted where they are audited (the host's metrics).
      const audit = observedAudit(supervisor.audit, parts.metrics.audit);
      const toolbox = await createToolbox(ctx, { supervisor: { capabilitiesOf: (id) => supervisor.capabilitiesOf(id), audit }, probeAfter: ctx.events.once('host.ready') });
      parts.routes.push(...sandboxRoutes(toolbox.sandbox));
      parts.status.set('sandbox', () => toolbox.sandbox.status());
      // The assistant started before this step: hand it the tools, run as its own agent record.
      const tools = ctx.config.assistant.tools;
      if (parts.assistant && tools.enabled) {
        const agent = new AssistantAgent({ supervisor, name: tools.agent, capabilities: tools.capabilities, log: ctx.log });
        // Made now, so `nxs agents ls` shows it and it can be checkpointed before its first tool call.
        agent.ensure();
        parts.assistant.useTools(toolbox, agent);
      }
      return { tools: toolbox };
    } catch (err) {
      if (!isNxsError(err)) throw err;
      const message = errorMessage(err);
      ctx.log.error({ code: err.code, err: message }, 'tools: the sandbox cannot be set up; agent tools are off');
      ctx.bootLog.add(`tools off: ${ctx.redactor.scrub(message)}`);
      parts.status.set('sandbox', () => ({ backend: null, error: message, code: err.code }));
      return {};
    }
  },
};
