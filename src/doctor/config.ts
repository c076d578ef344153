import type { ConfigSection } from '../config/section.ts';

export interface DoctorConfig {
  enabled: boolean;
  /** Apply fixes that need no permission; when false every fix waits for approval. */
  autoFix: boolean;
  /** The same rule on the same subject is diagnosed at most once per this many ms. */
  cooldownMs: number;
  /** `provider.down` events for one provider within `windowMs` before switching away. */
  providerDownThreshold: number;
  windowMs: number;
}

export const doctorSection: ConfigSection<DoctorConfig> = {
  keys: ['doctor'],
  parse(root, check) {
    const d = check.obj(root.doctor, 'doctor', ['enabled', 'auto_fix', 'cooldown_ms', 'provider_down_threshold', 'window_ms']);
    return {
      enabled: check.bool(d.enabled, 'doctor.enabled', true),
      autoFix: check.bool(d.auto_fix, 'doctor.auto_fix', true),
      cooldownMs: check.int(d.cooldown_ms, 'doctor.cooldown_ms', { min: 0, max: 86_400_000, def: 300_000 }),
      providerDownThreshold: check.int(d.provider_down_threshold, 'doctor.provider_down_threshold', { min: 1, max: 1000, def: 2 }),
      windowMs: check.int(d.window_ms, 'doctor.window_ms', { min: 1000, max: 86_400_000, def: 600_000 }),
    };
  },
};
