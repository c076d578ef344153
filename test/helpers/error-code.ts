import { NxsError } from '../../src/core/errors.ts';

/** The NxsError code `fn` throws; 'not-an-NxsError' for any other throw; undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof NxsError ? err.code : 'not-an-NxsError';
  }
  return undefined;
}
