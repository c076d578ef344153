// The entry of one agent's worker thread. It imports only Node builtins
// (the build bundles it alone into workers/agent-worker.cjs) and loads the
// agent's own module, if any, after checking it once more. An uncaught throw
// ends the thread: the host sees the exit and decides whether to restart.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { checkAgentModule } from './module-trust.ts';
import type { AgentToHost, AgentWorkerData, HostToAgent, AgentOp, AgentMessage } from './protocol.ts';

interface AgentApi {
  agentId: string;
  instanceId: string;
  name: string;
  settings: Record<string, unknown>;
  /** Asks the host to act (spawn, kill, gpu.claim, ipc.send...); rejects when the agent lacks the capability. */
  request(op: AgentOp, args?: Record<string, unknown>): Promise<unknown>;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
}

interface AgentModule {
  start?: (api: AgentApi) => unknown;
  handle?: (input: unknown, api: AgentApi) => unknown;
  onMessage?: (message: AgentMessage, api: AgentApi) => unknown;
}

const port = parentPort;
if (!port) throw new Error('agent-worker must run in a worker thread');
const data = workerData as AgentWorkerData;
const send = (m: AgentToHost): void => port.postMessage(m);

let nextRequest = 1;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

const api: AgentApi = {
  agentId: data.agentId,
  instanceId: data.instanceId,
  name: data.name,
  settings: data.settings,
  request(op, args = {}) {
    const id = nextRequest++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      send({ t: 'request', id, op, args });
    });
  },
  log(level, msg) {
    send({ t: 'log', level, msg: String(msg) });
  },
};

// The built-in agent: answers a task with its input, so a plain spawn is useful for checks.
const echo: AgentModule = { handle: (input) => input };

/**
 * The host checked the module when it launched this thread; checking again
 * here, right before import(), leaves the narrowest window in which the file
 * could change (and only its owner or root can change it once it passes).
 */
async function load(): Promise<AgentModule> {
  if (!data.module) return echo;
  const verdict = checkAgentModule(data.module.file, data.module.agentsDir, process.getuid!());
  if (!verdict.ok) throw new Error(`agent module ${data.module.file} is not loaded: ${verdict.reason}`);
  return (await import(pathToFileURL(data.module.file).href)) as AgentModule;
}

async function main(): Promise<void> {
  const mod = await load();
  port!.on('message', (m: HostToAgent) => {
    switch (m.t) {
      case 'ping':
        send({ t: 'pong', seq: m.seq, heapUsed: process.memoryUsage().heapUsed });
        break;
      case 'task':
        void runTask(mod, m.id, m.input);
        break;
      case 'message':
        if (mod.onMessage) void Promise.resolve(mod.onMessage(m.message, api));
        break;
      case 'reply': {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (!w) break;
        if (m.ok) w.resolve(m.value);
        else w.reject(Object.assign(new Error(m.error), { code: m.code }));
        break;
      }
      case 'stop':
        port!.close();
        break;
    }
  });
  if (mod.start) await mod.start(api);
  send({ t: 'ready' });
}

async function runTask(mod: AgentModule, id: number, input: unknown): Promise<void> {
  try {
    if (!mod.handle) throw new Error(`agent ${data.name} takes no tasks (its module exports no handle function)`);
    const value = await mod.handle(input, api);
    send({ t: 'result', id, ok: true, value });
  } catch (err) {
    send({ t: 'result', id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}

main().catch((err: unknown) => {
  // Rethrown outside the promise so it is an uncaught error: the thread ends and the host restarts it.
  setImmediate(() => {
    throw err;
  });
});
