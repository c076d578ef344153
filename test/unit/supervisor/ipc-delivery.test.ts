import { describe, it, expect } from 'vitest';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { supervisorStep } from '../../../src/supervisor/step.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { agentModules, json, running } from './helpers.ts';

const collector = `
const got = [];
export function onMessage(m) { got.push({ from: m.from, data: m.data, type: m.type }); }
export function handle() { return got; }
`;

describe('IPC delivery to running agents', () => {
  it.each([
    ['through the durable queue', true],
    ['without a queue', false],
  ])('%s', async (_name, withQueue) => {
    using mods = agentModules();
    const file = mods.write('collector', collector);
    await using host = await startTestHost({
      config: { tier: 'minimal', supervisor: { agents_dir: mods.dir } },
      steps: withQueue ? [hostRoutesStep, queueStep, supervisorStep()] : [hostRoutesStep, supervisorStep()],
    });
    const a = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }))).agent_id;
    const b = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'receiver', settings: { module: file } } }))).agent_id;
    await running(host, b);
    const delivered = host.ctx.events.once('ipc.delivered');
    const sent = await json(await host.api('/api/ipc/send', { method: 'POST', json: { from_agent_id: a, to_agent_id: b, data: Buffer.from('7').toString('base64'), metadata: { type: 'number' } } }));
    expect(sent).toMatchObject({ success: true, message_id: expect.any(Number) });
    expect(await delivered).toMatchObject({ messageId: sent.message_id, to: String(b) });
    if (withQueue) {
      const jobs = (host.parts.queue as { list(f: unknown): { state: string }[] }).list({ queue: 'ipc' });
      expect(jobs.length).toBe(1);
    }
    const task = await json(await host.api(`/api/agents/${b}/tasks`, { method: 'POST', json: { input: null } }));
    expect(task.result).toEqual([{ from: a, data: 7, type: 'number' }]);
    const inbox = await json(await host.api(`/api/ipc/inbox/${b}`));
    expect(inbox.messages).toEqual([expect.objectContaining({ message_id: sent.message_id, data: 7, delivered: true })]);
  });

  it('a message for an agent that is not running waits in its inbox and is handed over when it starts', async () => {
    using mods = agentModules();
    const flag = `${mods.dir}/may-run.mjs`;
    // Exits cleanly (and so stays stopped) until the flag file exists.
    const file = mods.write('late', `import { existsSync } from 'node:fs';\n${collector}\nexport function start() { if (!existsSync(${JSON.stringify(flag)})) process.exit(0); }\n`);
    await using host = await startTestHost({ config: { tier: 'minimal', supervisor: { agents_dir: mods.dir } }, steps: [hostRoutesStep, supervisorStep()] });
    const a = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }))).agent_id;
    const exited = host.ctx.events.once('agent.crashed');
    const b = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'receiver', settings: { module: file } } }))).agent_id;
    expect(await exited).toMatchObject({ kind: 'clean' });
    expect((await json(await host.api(`/api/agents/${b}`))).state).toBe('stopped');
    await host.api('/api/ipc/send', { method: 'POST', json: { from: a, to: b, message: { data: 'early', type: 'text' } } });
    expect((await json(await host.api(`/api/ipc/inbox/${b}`))).messages).toEqual([expect.objectContaining({ data: 'early', delivered: false })]);
    mods.write('may-run', '');
    const delivered = host.ctx.events.once('ipc.delivered');
    expect((await host.api(`/api/agents/${b}/restart`, { method: 'POST' })).status).toBe(200);
    await delivered;
    const task = await json(await host.api(`/api/agents/${b}/tasks`, { method: 'POST', json: { input: null } }));
    expect(task.result).toEqual([{ from: a, data: 'early', type: 'text' }]);
  });
});
