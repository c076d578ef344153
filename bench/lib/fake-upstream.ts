// bench/lib/fake-upstream.ts: the fake OpenAI-compatible provider (test/helpers/fake-provider.ts)
// in a process of its own, answering every request at once. Prints {"url": ...} once it listens.
// bench:gateway's upstream lives here rather than in the measuring process, so a direct call
// crosses processes as any real one does, and whatever the upstream's own runtime does (its
// garbage collector, its timers) falls on direct and proxied calls alike.
import { startFakeProvider } from '../../test/helpers/fake-provider.ts';

const upstream = await startFakeProvider({ name: 'up' });
process.stdout.write(JSON.stringify({ url: upstream.url }) + '\n');
process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
