import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ask, startFullHost } from './support/full-host.ts';
import { pickAssistant } from '../../../src/assistant/assistant-agent.ts';
import type { AgentInfo } from '../../../src/supervisor/types.ts';

type Audit = { entries: { operation_type: string; allowed: boolean; principal: string; details?: Record<string, any> }[] };

describe('the assistant offers the agent tools through function calling', () => {
  it('main conversation: the model asks for list_dir, gets the listing, answers; the call is audited under the assistant agent', async () => {
    await using h = await startFullHost();
    writeFileSync(path.join(h.workspace, 'notes.txt'), 'hello');
    const status = (await (await h.host.api('/api/status')).json()) as { assistant: { agent_id: string | null; tools: string } };
    expect(status.assistant.tools).toBe('on');
    const agentId = status.assistant.agent_id!;
    const agent = (await (await h.host.api(`/api/agents/${agentId}`)).json()) as { name: string; capabilities: string[] };
    expect(agent.name).toBe('assistant');
    expect(agent.capabilities.sort()).toEqual(['ACCESS_FS', 'ACCESS_IO', 'ACCESS_NET']);

    h.fake.script({ kind: 'ok', toolCalls: [{ name: 'list_dir', arguments: '{"path":"/workspace"}' }] }, { kind: 'ok', content: 'You have notes.txt.' });
    const r = await ask(h.host, 'main', 'what is in my workspace?');
    expect(r).toMatchObject({ status: 'answered', reply: 'You have notes.txt.' });

    // First request offered the tools (remember + the toolbox's), second carried the tool result.
    const offered = (h.fake.requests[0]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name).sort();
    expect(offered).toEqual(['http_fetch', 'list_dir', 'read_file', 'remember', 'shell', 'write_file']);
    const toolMsg = (h.fake.requests[1]!.body.messages as { role: string; content: string }[]).find((m) => m.role === 'tool')!;
    expect(JSON.parse(toolMsg.content).entries.map((e: { name: string }) => e.name)).toContain('notes.txt');

    const audit = (await (await h.host.api(`/api/audit/${agentId}`)).json()) as Audit;
    const call = audit.entries.find((e) => e.operation_type === 'tool.list_dir')!;
    expect(call).toMatchObject({ allowed: true, principal: 'assistant:main' });
  });

  it('a non-main conversation asking for shell is denied with a readable error and an audit entry', async () => {
    await using h = await startFullHost();
    h.fake.script({ kind: 'ok', toolCalls: [{ name: 'shell', arguments: '{"command":"cat /etc/passwd"}' }] }, { kind: 'ok', content: 'I may not run commands here.' });
    const r = await ask(h.host, 'guest', 'run cat /etc/passwd');
    expect(r).toMatchObject({ status: 'answered', reply: 'I may not run commands here.' });

    // shell, write_file and remember are not even offered to a non-main conversation.
    const offered = ((h.fake.requests[0]!.body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name).sort();
    expect(offered).toEqual(['http_fetch', 'list_dir', 'read_file']);
    const toolMsg = (h.fake.requests[1]!.body.messages as { role: string; content: string }[]).find((m) => m.role === 'tool')!;
    const err = JSON.parse(toolMsg.content).error;
    expect(err.code).toBe('NXS_ERR_TOOL_DENIED');
    expect(err.message).toMatch(/shell is not available in this conversation: only the main conversation may run commands/);

    const agentId = ((await (await h.host.api('/api/status')).json()) as { assistant: { agent_id: string } }).assistant.agent_id;
    const audit = (await (await h.host.api(`/api/audit/${agentId}`)).json()) as Audit;
    const denied = audit.entries.find((e) => e.operation_type === 'tool.shell')!;
    expect(denied).toMatchObject({ allowed: false, principal: 'assistant:guest', details: { trust: 'other', arguments: { command: 'cat /etc/passwd' } } });
  });

  it('stops after assistant.tools.max_rounds rounds of tool calls', async () => {
    await using h = await startFullHost({ assistant: { tools: { max_rounds: 2 } } });
    h.fake.fallback = { kind: 'ok', toolCalls: [{ name: 'list_dir', arguments: '{}' }] };
    const r = await ask(h.host, 'main', 'loop forever');
    expect(r.status).toBe('answered');
    expect(r.reply).toMatch(/stopped after 2 rounds of tool calls/);
    // Two rounds with tools, then one without: the model is asked three times.
    expect(h.fake.requests).toHaveLength(3);
    expect(h.fake.requests[2]!.body.tools).toBeUndefined();
  });
});

describe('pickAssistant', () => {
  const a = (agentId: string, name: string, state: AgentInfo['state'] = 'running') => ({ agentId, name, state }) as AgentInfo;
  it.each([
    ['none', [a('1', 'echo')], null],
    ['the one', [a('1', 'echo'), a('2', 'assistant')], '2'],
    ['the newest (a restored checkpoint)', [a('2', 'assistant'), a('10', 'assistant')], '10'],
    ['not a stopped one', [a('2', 'assistant'), a('10', 'assistant', 'stopped')], '2'],
  ])('%s', (_n, agents, want) => {
    expect(pickAssistant(agents, 'assistant')?.agentId ?? null).toBe(want);
  });
});
