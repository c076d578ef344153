// Drill "new box": the assistant's checkpoint, exported from box A, is imported and restored on a
// second NXS_HOME and data folder (box B: its own keys, its own unpacked runtime) after A is killed.
// The conversation must continue on B: its history reaches the model, and the message A had
// deferred is answered there. Seed 000 §8.1, "Primary host down": secondary instance, 30-60 s.
import path from 'node:path';
import { startFakeProvider, type ReceivedRequest } from '../../test/helpers/fake-provider.ts';
import { CutRelay } from '../lib/cut-relay.ts';
import { baseConfig, remoteProvider, startHost, tempDir } from '../lib/drill-host.ts';
import { followMessage, getJson, Ledger, postMessage } from '../lib/message-client.ts';
import { sleepMs, stampArrivals, type DrillOptions } from '../lib/drill-traffic.ts';
import { SEED_TARGETS, type DrillResult } from './report.ts';

const PASSPHRASE = 'drill new box passphrase';

function lastUser(r: ReceivedRequest): string {
  const msgs = (r.body?.messages ?? []) as { role: string; content: unknown }[];
  return String([...msgs].reverse().find((m) => m.role === 'user')?.content ?? '');
}

export async function newBoxDrill(o: DrillOptions): Promise<DrillResult> {
  const provider = await startFakeProvider({ name: 'primary' });
  stampArrivals(provider);
  const relay = new CutRelay(provider.url);
  await relay.listen();
  const dir = tempDir('nxs-drill-box-');
  const config = baseConfig([remoteProvider('primary', relay.url(provider.url))]);
  const boxA = await startHost({ home: o.home, dataDir: path.join(dir, 'a-data'), config });
  const ledger = new Ledger();
  const homeB = tempDir('nxs-drill-box-b-home-');
  let boxB: Awaited<ReturnType<typeof startHost>> | null = null;
  try {
    for (let i = 1; i <= (o.short ? 3 : 6); i++) {
      const s = ledger.add('box', `box #${i} remember the word kumquat-${i}`);
      s.id = await postMessage(boxA.url, 'box', s.text);
      s.acceptedAt = performance.now();
      s.final = await followMessage(boxA.url, s.id);
      s.doneAt = performance.now();
    }
    // A message A cannot answer (its provider unreachable): it waits in the checkpoint.
    await relay.cut();
    const waiting = ledger.add('box', 'box #waiting asked on box A, answered on box B');
    waiting.id = await postMessage(boxA.url, 'box', waiting.text);
    waiting.acceptedAt = performance.now();
    await boxA.waitLog((l) => l.msg.startsWith('every LLM provider failed'), 30_000);
    const agentId = (await getJson(boxA.url, '/api/status')).assistant?.agent_id as number;
    const { checkpoint_id } = await getJson(boxA.url, `/api/agents/${agentId}/checkpoint`, { method: 'POST' });
    const file = path.join(dir, 'assistant.nxsckpt');
    await getJson(boxA.url, `/api/checkpoints/${checkpoint_id}/export`, { method: 'POST', body: JSON.stringify({ file, passphrase: PASSPHRASE }) });
    const pub = (await getJson(boxA.url, '/api/checkpoints/trust')).self.public_key_pem as string;
    o.say(`new-box: checkpoint ${checkpoint_id} exported; box A is killed`);
    const lostAt = performance.now();
    boxA.child.kill('SIGKILL');
    await boxA.exited;
    await relay.restore();
    // Box B: a fresh NXS_HOME (the runtime is unpacked there, as on a new machine) and data folder.
    boxB = await startHost({ home: homeB, dataDir: path.join(dir, 'b-data'), config });
    const upAt = performance.now();
    await getJson(boxB.url, '/api/checkpoints/trust', { method: 'POST', body: JSON.stringify({ public_key: pub }) });
    const imported = await getJson(boxB.url, '/api/checkpoints/import', { method: 'POST', body: JSON.stringify({ file, passphrase: PASSPHRASE }) });
    const waitingAsked = provider.nextRequest();
    await getJson(boxB.url, '/api/agents/restore', { method: 'POST', body: JSON.stringify({ checkpoint_id: imported.checkpoint_id }) });
    const restoredAt = performance.now();
    const firstOnB = await Promise.race([waitingAsked, sleepMs(60_000).then(() => null)]);
    await sleepMs(o.short ? 300 : 1000);
    const next = ledger.add('box', 'box #next which words did I ask you to remember?');
    next.id = await postMessage(boxB.url, 'box', next.text);
    next.acceptedAt = performance.now();
    next.final = await followMessage(boxB.url, next.id);
    next.doneAt = performance.now();
    const askNext = provider.requests.find((r) => lastUser(r).startsWith('box #next'));
    const history = JSON.stringify(askNext?.body?.messages ?? []);
    const at = (r: ReceivedRequest | undefined): number => (r as { at?: number } | undefined)?.at ?? Infinity;
    const waitingOnB = provider.requests.find((r) => lastUser(r).startsWith('box #waiting') && at(r) > upAt);
    const waitingAnsweredOnB = waitingOnB !== undefined;
    // The waiting message lives on as a new row on B; A's row died with A.
    waiting.final = waitingAnsweredOnB ? { message_id: -1, conversation_id: 'box', status: 'answered', reply: '(answered on box B)' } : null;
    return {
      name: 'new-box',
      fault: 'box A SIGKILLed after exporting its assistant checkpoint; box B (fresh NXS_HOME: own keys, runtime unpacked anew) trusts A\'s key, imports and restores it',
      seed: SEED_TARGETS.newBox,
      detectionMs: null,
      recoveryMs: next.doneAt - lostAt,
      recoveryMeans: `box A gone -> the conversation answered on box B (B ready after ${Math.round(upAt - lostAt)} ms incl. unpacking, checkpoint restored after ${Math.round(restoredAt - lostAt)} ms)`,
      acceptedDuringFault: 1,
      accepted: ledger.accepted().length,
      lost: ledger.lost().length,
      // Ids on A and B are separate; order is what the model was asked: A's waiting message before B's next one.
      inOrder: at(waitingOnB) < at(askNext),
      checks: {
        'the deferred message is answered on box B': firstOnB !== null && waitingAnsweredOnB,
        'box B sends the conversation\'s history from box A': history.includes('kumquat-1'),
        'the continued conversation is answered on box B': next.final?.status === 'answered',
      },
      notes: ['detection: not measured (who notices a dead box is the fleet issue\'s health check); the steps after it are the operator\'s (or a script\'s) commands, timed back to back'],
      findings: [],
    };
  } finally {
    if (boxA.child.exitCode === null && boxA.child.signalCode === null) await boxA.stop();
    await boxB?.stop();
    await relay.close();
    await provider.close();
  }
}
