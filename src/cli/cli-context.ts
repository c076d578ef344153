import type { RuntimePaths } from '../runtime/paths.ts';

/** What every command gets: no command reads process globals directly. */
export interface CliContext {
  version: string;
  env: Readonly<Record<string, string | undefined>>;
  paths: RuntimePaths;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Commands that run until a signal (start) resolve this when they finish. */
  setExitCode(code: number): void;
  isTTY: boolean;
}
