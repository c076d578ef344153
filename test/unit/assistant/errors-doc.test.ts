import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ASSISTANT_ERRORS } from '../../../src/assistant/errors.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

describe('assistant error codes', () => {
  it('are each documented in docs/assistant.md with their exit code, HTTP status and summary', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'assistant.md'), 'utf8');
    for (const [code, spec] of Object.entries(ASSISTANT_ERRORS)) {
      expect(doc).toContain(`| ${code} | ${spec.exit} | ${spec.http} | ${spec.summary} |`);
    }
  });
});
