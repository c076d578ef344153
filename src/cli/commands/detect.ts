import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { TIERS, type TierName } from '../../config/schema.ts';
import { NxsError } from '../../core/errors.ts';
import { detectAll } from '../../detect/detect.ts';
import { isProbeError } from '../../detect/facts.ts';
import { checkForcedTier, selectTier } from '../../detect/select-tier.ts';
import { profileFor } from '../../detect/profile-for.ts';
import { summarize } from '../../detect/summary.ts';
import { json, table } from '../output.ts';
import type { CliContext } from '../cli-context.ts';

interface DetectFlags {
  json?: boolean;
  explain?: boolean;
  tier?: TierName;
  network: boolean;
  endpoint?: string[];
  dataDir?: string;
  config?: string;
  root?: string;
}

export function registerDetect(program: Command, cli: CliContext): void {
  program
    .command('detect')
    .description('measure this box and say which tier nxs would run at (no host needed)')
    .option('--json', 'print the facts and the choice as JSON')
    .option('--explain', 'say why this tier, rule by rule, and show the profile it yields')
    .addOption(new Option('--tier <tier>', 'show what forcing this tier would do, with a warning when the box cannot hold it').choices(TIERS))
    .option('--no-network', 'skip the network probes (reachability, local LLM servers)')
    .option('--endpoint <url>', 'also check that this URL answers (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--data-dir <dir>', 'the data folder whose disk is measured (default $NXS_HOME/data)')
    .option('--config <file>', 'config file (default $NXS_CONFIG or $NXS_HOME/nxs.yaml)')
    .addOption(new Option('--root <dir>', 'read /proc, /sys and /etc under this folder').hideHelp())
    .action(async (flags: DetectFlags) => {
      const { config } = loadConfig({ env: cli.env, flags: { config: flags.config, dataDir: flags.dataDir }, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
      const p = config.detect.probes;
      for (const e of flags.endpoint ?? []) {
        if (!/^https?:\/\//.test(e)) throw new NxsError('NXS_ERR_USAGE', `--endpoint must be an http:// or https:// URL; got ${JSON.stringify(e)}`);
      }
      const facts = await detectAll(
        {
          root: flags.root ? path.resolve(flags.root) : '/',
          env: cli.env,
          dataDir: config.dataDir,
          nvidiaSmiTimeoutMs: p.nvidiaSmiTimeoutMs,
          networkTimeoutMs: p.networkTimeoutMs,
          endpoints: [...p.endpoints, ...(flags.endpoint ?? [])],
          lmstudioUrl: p.lmstudioUrl,
          ollamaUrl: p.ollamaUrl,
        },
        { network: flags.network, now: Date.now },
      );
      const local = ['os', 'cpu', 'memory', 'disk', 'gpu', 'container'] as const;
      if (local.every((k) => isProbeError(facts[k]))) {
        throw new NxsError('NXS_ERR_DETECT_FAILED', `no local probe could measure this box: ${local.map((k) => (facts[k] as { error: string }).error).join('; ')}`);
      }
      const choice = selectTier(facts, config.detect.tierPolicy);
      // --tier shows what forcing would do; otherwise the configured tier (file or NXS_TIER) is what a start would force.
      const forced = flags.tier ?? (config.tier === 'auto' ? null : config.tier);
      const warnings = forced ? checkForcedTier(facts, config.detect.tierPolicy, forced) : [];
      const tier = forced ?? choice.tier;
      const { profile, adjustments } = profileFor(tier, facts);

      if (flags.json) {
        cli.stdout(json({ tier, detected_tier: choice.tier, forced_tier: forced, reasons: choice.reasons, warnings, profile, adjustments, facts }));
        return;
      }
      const out: string[] = [table(['probe', 'result'], summarize(facts))];
      out.push(`tier: ${tier}${forced ? ` (forced; detection chose ${choice.tier})` : ' (detected)'}\n`);
      for (const w of warnings) out.push(`warning: ${w}\n`);
      if (forced && warnings.length === 0) out.push(`the box can hold tier ${forced}\n`);
      if (flags.explain) {
        out.push('\nwhy:\n' + choice.reasons.map((r) => `  - ${r}\n`).join(''));
        out.push(`\nprofile ${tier}:\n`);
        out.push(
          table(['setting', 'value'], [
            ['worker concurrency', profile.workerConcurrency],
            ['queue bounds', `${profile.queue.maxPerQueue} per queue, ${profile.queue.maxPerGroup} per group`],
            ['agents', `${profile.maxAgents} at ${profile.agentMemoryMb} MiB each`],
            ['log', `${profile.logLevel}, kept ${profile.logRetentionDays} days`],
            ['checkpoints', `keep ${profile.checkpoints.keep}, ${profile.checkpoints.maxAgeDays} days, ${Math.round(profile.checkpoints.maxBytes / 1048576)} MiB`],
            ['monitor interval', `${profile.monitorIntervalMs / 1000} s`],
            ['disk floor', `${Math.round(profile.diskFloorBytes / 1048576)} MiB`],
            ['features', Object.entries(profile.features).filter(([, on]) => on).map(([f]) => f).join(', ')],
          ]).replace(/^/gm, '  '),
        );
        for (const a of adjustments) out.push(`  fitted: ${a}\n`);
      }
      cli.stdout(out.join(''));
    });
}
