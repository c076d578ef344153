import { test, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_ERRORS } from '../../../src/sandbox/errors.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

test('every sandbox error code is documented in docs/sandbox.md with its exit code, HTTP status and summary', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'sandbox.md'), 'utf8');
  for (const [code, spec] of Object.entries(SANDBOX_ERRORS)) expect(doc).toContain(`| ${code} | ${spec.exit} | ${spec.http} | ${spec.summary} |`);
});
