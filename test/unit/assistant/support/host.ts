import { startTestHost, type TestHost } from '../../../helpers/test-host.ts';
import { startFakeProvider, type FakeProvider } from '../../../helpers/fake-provider.ts';
import { hostRoutesStep } from '../../../../src/boot/host-routes.ts';
import { queueStep } from '../../../../src/queue/boot-step.ts';
import { assistantStep } from '../../../../src/assistant/boot-step.ts';
import type { BootStep } from '../../../../src/boot/steps.ts';
import { FakeLlmClient } from './fake-llm-client.ts';

/** A real host (port 0) with the queue, an LLM client on a fake provider, and the assistant step. */
export async function startAssistantHost(config: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<{ host: TestHost; fake: FakeProvider; llm: FakeLlmClient; [Symbol.asyncDispose](): Promise<void> }> {
  const fake = await startFakeProvider({ name: 'fake' });
  const llm = new FakeLlmClient(fake.url);
  const llmStep: BootStep<object, { llm: FakeLlmClient }> = { name: 'test-llm', start: () => ({ llm }) };
  const host = await startTestHost({ config, env, steps: [hostRoutesStep, queueStep, llmStep, assistantStep] });
  return {
    host,
    fake,
    llm,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]();
      await fake.close();
    },
  };
}
