import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { startTestHost, type TestHost } from '../../../helpers/test-host.ts';
import { startFakeProvider, type FakeProvider } from '../../../helpers/fake-provider.ts';
import { BOOT_STEPS, type BootStep } from '../../../../src/boot/steps.ts';
import { providersStep } from '../../../../src/providers/boot-step.ts';
import type { Clock } from '../../../../src/core/clock.ts';
import { FakeLlmClient } from './fake-llm-client.ts';

export interface FullHost {
  host: TestHost;
  fake: FakeProvider;
  llm: FakeLlmClient;
  /** The sandbox workspace (world-readable, outside the 0700 test home, so the sandbox user reaches it). */
  workspace: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Every boot step of a real host, with the fallback client replaced by the
 * assistant tests' LLM client on a fake provider (src/providers is tested on
 * its own): supervisor, checkpoints, doctor, assistant and tools all wired.
 */
export async function startFullHost(config: Record<string, unknown> = {}, opts: { clock?: Clock } = {}): Promise<FullHost> {
  const fake = await startFakeProvider({ name: 'fake' });
  const llm = new FakeLlmClient(fake.url);
  const llmStep: BootStep<object, { llm: FakeLlmClient }> = { name: 'test-llm', start: () => ({ llm }) };
  const workspace = mkdtempSync('/var/tmp/nxs-ws-');
  chmodSync(workspace, 0o755);
  const steps = BOOT_STEPS.map((s) => (s === providersStep ? llmStep : s));
  const { sandbox, assistant, ...rest } = config as { sandbox?: Record<string, unknown>; assistant?: Record<string, unknown> };
  const host = await startTestHost({
    config: { ...rest, sandbox: { workspace, ...(sandbox ?? {}) }, assistant: { files: { enabled: false }, ...(assistant ?? {}) } },
    steps,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return {
    host,
    fake,
    llm,
    workspace,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]();
      await fake.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** Posts a message and waits (SSE-free: polls nothing, follows the hub) for its final status. */
export async function ask(host: TestHost, conversationId: string, text: string): Promise<{ id: number; status: string; reply: string | null }> {
  const res = await host.api('/api/messages', { method: 'POST', json: { conversation_id: conversationId, text } });
  if (res.status !== 202 && res.status !== 200 && res.status !== 201) throw new Error(`POST /api/messages: ${res.status} ${await res.text()}`);
  const { message_id: id } = (await res.json()) as { message_id: number };
  const stream = await host.api(`/api/messages/${id}/stream`);
  await stream.text();
  const got = (await (await host.api(`/api/messages/${id}`)).json()) as { status: string; reply: string | null };
  return { id, ...got };
}
