import { describe, expect, it } from 'vitest';
import { startTestHost } from '../../helpers/test-host.ts';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { assistantStep } from '../../../src/assistant/boot-step.ts';
import { readSse } from '../../../src/cli/commands/chat.ts';

type Ev = { event: string; data: any };

describe('the assistant on the real fallback client (providers step) and a fake provider', () => {
  it('streams an answer, defers through an outage, and answers when the provider returns', async () => {
    await using fake = await startFakeProvider({ name: 'fake' });
    await using host = await startTestHost({
      config: {
        providers: [{ name: 'fake', base_url: fake.url, model: 'fake-model', credential: { none: true }, retries: 0 }],
        assistant: { survival: { retry_base_ms: 50, retry_max_ms: 200 } },
      },
      steps: [hostRoutesStep, queueStep, providersStep, assistantStep],
    });
    fake.script({ kind: 'ok', content: 'Streamed through the chain.' });
    const post = async (text: string) => ((await (await host.api('/api/messages', { method: 'POST', json: { conversation_id: 'rc', text } })).json()) as { message_id: number }).message_id;
    const follow = async (id: number, onEvent?: (e: Ev) => void): Promise<Ev[]> => {
      const seen: Ev[] = [];
      for await (const e of readSse((await host.api(`/api/messages/${id}/stream`)).body!) as AsyncIterable<Ev>) {
        seen.push(e);
        onEvent?.(e);
      }
      return seen;
    };
    const first = await follow(await post('hello'));
    expect(first.at(-1)!.data).toMatchObject({ status: 'answered', reply: 'Streamed through the chain.' });

    fake.fallback = { kind: 'status', status: 503 };
    const id = await post('are you there?');
    const second = await follow(id, (e) => {
      if (e.event === 'status' && e.data.status === 'deferred') fake.fallback = { kind: 'ok', content: 'Back again.' };
    });
    expect(second.map((e) => (e.event === 'status' ? e.data.status : e.event))).toContain('deferred');
    expect(second.at(-1)!.data).toMatchObject({ status: 'answered', reply: 'Back again.' });
    const log = ((await (await host.api('/api/boot/log')).json()) as { log: string }).log;
    expect(log).toMatch(/survival mode entered[\s\S]*survival mode ended/);
  });
});
