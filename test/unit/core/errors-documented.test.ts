import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_REGISTRY } from '../../../src/error-registry.ts';
import { EXIT } from '../../../src/core/errors.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

describe('the error registry', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

  it('documents every code in README.md with its exit code and HTTP status', () => {
    for (const [code, spec] of Object.entries(ERROR_REGISTRY)) {
      expect(readme, code).toContain(`| ${code} | ${spec.exit} | ${spec.http} |`);
    }
  });

  it('uses only documented exit codes and real HTTP statuses', () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const [code, spec] of Object.entries(ERROR_REGISTRY)) {
      expect(exits.has(spec.exit), code).toBe(true);
      expect(spec.http >= 400 && spec.http <= 599, code).toBe(true);
      expect(code).toMatch(/^NXS_ERR_[A-Z0-9_]+$/);
      expect(spec.summary.length, code).toBeGreaterThan(10);
    }
  });

  it('lists every exit code in README.md', () => {
    for (const [name, n] of Object.entries(EXIT)) expect(readme, name).toMatch(new RegExp(`\\| ${n} \\| `));
  });
});
