import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { HostMetrics } from '../../../src/metrics/host-metrics.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

const DOC = readFileSync(path.join(REPO_ROOT, 'docs/metrics.md'), 'utf8');

/** The fenced yaml block of docs/metrics.md that holds the alert rules. */
function rulesBlock(): string {
  const block = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith('groups:'));
  if (!block) throw new Error('docs/metrics.md has no ```yaml block starting with groups:');
  return block;
}

function promtool(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is missing: apt-get install prometheus (test/install-tools.sh): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('docs/metrics.md', () => {
  it('lists every metric the host exposes, with its type', () => {
    const missing = new HostMetrics('x').registry.list().filter((f) => !DOC.includes(`| \`${f.name}\` | ${f.type} |`));
    expect(missing.map((f) => f.name)).toEqual([]);
  });

  it('its alert rules pass promtool check rules, and fire (and stay quiet) as promtool test rules shows', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-rules-'));
    try {
      writeFileSync(path.join(dir, 'rules.yml'), rulesBlock());
      const check = promtool(['check', 'rules', 'rules.yml'], dir);
      expect(check.out).toContain('SUCCESS: 3 rules found');
      expect(check.status).toBe(0);
      writeFileSync(path.join(dir, 'tests.yml'), stringify(RULE_TESTS));
      const test = promtool(['test', 'rules', 'tests.yml'], dir);
      expect(test.out).toContain('SUCCESS');
      expect(test.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const at = { instance: 'box:7878', job: 'nxs' };
const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries({ ...at, ...labels }).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
  values,
});

const RULE_TESTS = {
  rule_files: ['rules.yml'],
  evaluation_interval: '1m',
  tests: [
    {
      interval: '1m',
      input_series: [series('nxs_provider_available', { provider: 'groq' }, '0x10'), series('nxs_provider_available', { provider: 'local' }, '0x10')],
      alert_rule_test: [
        { eval_time: '3m', alertname: 'NxsEveryProviderDown', exp_alerts: [] },
        {
          eval_time: '6m',
          alertname: 'NxsEveryProviderDown',
          exp_alerts: [
            {
              exp_labels: { ...at, severity: 'critical' },
              exp_annotations: { summary: 'nxs on box:7878: every LLM provider is down', description: 'Check nxs providers ls on the box; answers come from the emergency cache or wait in the queue.' },
            },
          ],
        },
      ],
    },
    {
      interval: '1m',
      input_series: [series('nxs_provider_available', { provider: 'groq' }, '0x10'), series('nxs_provider_available', { provider: 'local' }, '1x10')],
      alert_rule_test: [{ eval_time: '10m', alertname: 'NxsEveryProviderDown', exp_alerts: [] }],
    },
    {
      interval: '1m',
      input_series: [
        series('nxs_queue_jobs', { queue: 'assistant.answer', state: 'queued' }, '0+5x40'),
        series('nxs_queue_jobs', { queue: 'assistant.answer', state: 'blocked' }, '0x40'),
        series('nxs_queue_oldest_waiting_seconds', { queue: 'assistant.answer' }, '0+60x40'),
        // Busy but keeping up: many jobs, none old.
        series('nxs_queue_jobs', { queue: 'selftest', state: 'queued' }, '0+5x40'),
        series('nxs_queue_oldest_waiting_seconds', { queue: 'selftest' }, '2x40'),
      ],
      alert_rule_test: [
        {
          eval_time: '30m',
          alertname: 'NxsQueueGrowing',
          exp_alerts: [
            {
              exp_labels: { ...at, queue: 'assistant.answer', severity: 'warning' },
              exp_annotations: { summary: 'nxs on box:7878: queue assistant.answer keeps growing', description: 'Jobs wait over 5 minutes and their number rises; see nxs queue stats.' },
            },
          ],
        },
      ],
    },
    {
      interval: '1m',
      input_series: [series('process_start_time_seconds', {}, '100 100 220 340 460 460 460'), series('nxs_agent_crash_loops_total', {}, '0x6')],
      alert_rule_test: [
        { eval_time: '2m', alertname: 'NxsCrashLoop', exp_alerts: [] },
        {
          eval_time: '5m',
          alertname: 'NxsCrashLoop',
          exp_alerts: [{ exp_labels: { ...at, severity: 'critical' }, exp_annotations: { summary: 'nxs on box:7878 is crash-looping', description: 'See the boot log (nxs boot log) and nxs agents ls for parked agents.' } }],
        },
      ],
    },
    {
      interval: '1m',
      input_series: [series('process_start_time_seconds', {}, '100x10'), series('nxs_agent_crash_loops_total', {}, '0 0 0 1 1 1')],
      alert_rule_test: [
        {
          eval_time: '4m',
          alertname: 'NxsCrashLoop',
          exp_alerts: [{ exp_labels: { ...at, severity: 'critical' }, exp_annotations: { summary: 'nxs on box:7878 is crash-looping', description: 'See the boot log (nxs boot log) and nxs agents ls for parked agents.' } }],
        },
      ],
    },
  ],
};
