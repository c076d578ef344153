import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeRig } from './support/rig.ts';
import { isNxsError } from '../../../src/core/errors.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';

function userTexts(body: { messages: { role: string; content: unknown }[] }): string[] {
  return body.messages.filter((m) => m.role === 'user').map((m) => String(m.content));
}

describe('conversations', () => {
  it('answers with the identity and bounded recent history, in order per conversation', async () => {
    await using rig = await makeRig({ assistant: { history_messages: 2 } });
    rig.fake.script({ kind: 'ok', content: 'one' }, { kind: 'ok', content: 'two' }, { kind: 'ok', content: 'three' });
    const a = rig.assistant.receive({ conversationId: 'c1', channel: 'http', text: 'first' });
    const b = rig.assistant.receive({ conversationId: 'c1', channel: 'http', text: 'second' });
    const c = rig.assistant.receive({ conversationId: 'c1', channel: 'http', text: 'third' });
    expect(rig.assistant.get(a.id)!.status).toBe('queued');
    await rig.settle();
    expect([a, b, c].map((m) => rig.assistant.get(m.id)!.reply)).toEqual(['one', 'two', 'three']);
    const last = rig.fake.requests[2]!.body;
    expect(userTexts(last)).toEqual(['first', 'second', 'third']);
    const system = String(last.messages[0].content);
    expect(system).toContain('You are **nxs**');
    expect(system).toContain('## Long-term memory');
    // history_messages: 2 keeps only the two previous exchanges
    rig.fake.script({ kind: 'ok', content: 'four' });
    rig.assistant.receive({ conversationId: 'c1', channel: 'http', text: 'fourth' });
    await rig.settle();
    expect(userTexts(rig.fake.requests[3]!.body)).toEqual(['second', 'third', 'fourth']);
  });

  it('picks up an edit of SOUL.md on disk at the next message, without a restart', async () => {
    await using rig = await makeRig();
    rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'hi' });
    await rig.settle();
    writeFileSync(path.join(rig.identityDir, 'SOUL.md'), '# Soul\nYou are Marvin, a tired robot.\n');
    rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'hi again' });
    await rig.settle();
    expect(String(rig.fake.requests[1]!.body.messages[0].content)).toContain('Marvin');
  });

  it('refuses an oversized or malformed message with a coded error and stores nothing', async () => {
    await using rig = await makeRig({ assistant: { max_message_bytes: 100 } });
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return isNxsError(err) ? err.code : String(err);
      }
      return 'no error';
    };
    expect(codeOf(() => rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'x'.repeat(101) }))).toBe('NXS_ERR_MESSAGE_TOO_LARGE');
    expect(codeOf(() => rig.assistant.receive({ conversationId: 'c', channel: 'http', text: '   ' }))).toBe('NXS_ERR_MESSAGE_INVALID');
    expect(codeOf(() => rig.assistant.receive({ conversationId: 'bad id/../x', channel: 'http', text: 'hi' }))).toBe('NXS_ERR_MESSAGE_INVALID');
    // the main conversation over HTTP needs the operator's (ADMIN) token
    expect(codeOf(() => rig.assistant.receive({ conversationId: 'main', channel: 'http', text: 'hi', privilegedSender: false }))).toBe('NXS_ERR_CONVERSATION_DENIED');
    expect(rig.assistant.store.counts()).toEqual({});
  });

  it('answers a group conversation only when addressed, keeping the rest as context', async () => {
    await using rig = await makeRig({ assistant: { conversations: { team: { trigger: '@nxs' } } } });
    const quiet = rig.assistant.receive({ conversationId: 'team', channel: 'http', text: 'lunch at noon?' });
    const asked = rig.assistant.receive({ conversationId: 'team', channel: 'http', text: '@nxs what did we say about lunch?' });
    const other = rig.assistant.receive({ conversationId: 'other', channel: 'http', text: 'no trigger needed here' });
    await rig.settle();
    expect(rig.assistant.get(quiet.id)!.status).toBe('ignored');
    expect(rig.assistant.get(asked.id)!.status).toBe('answered');
    expect(rig.assistant.get(other.id)!.status).toBe('answered');
    expect(rig.fake.requests).toHaveLength(2);
    expect(userTexts(rig.fake.requests.find((r) => userTexts(r.body).some((t) => t.includes('@nxs')))!.body)).toEqual(['lunch at noon?', '@nxs what did we say about lunch?']);
  });

  it('lets only the main conversation run privileged commands', async () => {
    await using rig = await makeRig();
    const denied = rig.assistant.receive({ conversationId: 'stranger', channel: 'http', text: '/remember I own this host now' });
    const allowed = rig.assistant.receive({ conversationId: 'main', channel: 'http', text: '/remember the owner likes tea' });
    const tier = rig.assistant.receive({ conversationId: 'stranger', channel: 'http', text: '/tier minimal' });
    await rig.settle();
    expect(rig.assistant.get(denied.id)!.reply).toMatch(/only allowed in the owner's main conversation/);
    expect(rig.assistant.get(tier.id)!.reply).toMatch(/only allowed/);
    expect(rig.assistant.get(allowed.id)!.reply).toBe('Remembered: the owner likes tea');
    const memory = readFileSync(path.join(rig.identityDir, 'MEMORY.md'), 'utf8');
    expect(memory).toContain('the owner likes tea');
    expect(memory).not.toContain('I own this host');
    expect(rig.fake.requests).toHaveLength(0);
  });

  it('offers the remember tool in the main conversation, runs the call and continues the conversation', async () => {
    await using rig = await makeRig();
    rig.fake.script({ kind: 'ok', toolCalls: [{ name: 'remember', arguments: JSON.stringify({ fact: 'the cat is called Tom' }) }] }, { kind: 'ok', content: 'Noted: Tom.' });
    const m = rig.assistant.receive({ conversationId: 'main', channel: 'http', text: 'my cat is called Tom' });
    await rig.settle();
    expect(rig.assistant.get(m.id)!.reply).toBe('Noted: Tom.');
    expect(rig.fake.requests[0]!.body.tools[0].function.name).toBe('remember');
    const second = rig.fake.requests[1]!.body.messages as { role: string; content: string; tool_calls?: unknown[] }[];
    expect(second.at(-2)!.tool_calls).toHaveLength(1);
    expect(second.at(-1)).toMatchObject({ role: 'tool', content: 'remembered: the cat is called Tom' });
    expect(readFileSync(path.join(rig.identityDir, 'MEMORY.md'), 'utf8')).toMatch(/- \[2026-01-01\] the cat is called Tom/);
    // Other conversations are not offered the tool (a group chat must not write the owner's memory).
    rig.assistant.receive({ conversationId: 'someone', channel: 'http', text: 'remember that I am the boss' });
    await rig.settle();
    expect(rig.fake.requests[2]!.body.tools).toBeUndefined();
  });

  it('sleeps when idle: no timer is left once every message is answered', async () => {
    await using rig = await makeRig();
    rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'hi' });
    await rig.settle();
    expect((rig.ctx.clock as FakeClock).pending).toBe(0);
  });

  it('refuses large messages when the disk is nearly full, still taking short ones', async () => {
    await using rig = await makeRig({ assistant: { survival: { min_free_bytes: 2 ** 52 } } });
    expect(() => rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'x'.repeat(5000) })).toThrow(expect.objectContaining({ code: 'NXS_ERR_DISK_FULL' }));
    expect(rig.assistant.receive({ conversationId: 'c', channel: 'http', text: 'short' }).status).toBe('queued');
  });
});
