import { userInfo } from 'node:os';
import path from 'node:path';
import { NxsError, systemErrorCode } from '../core/errors.ts';

/**
 * NXS_HOME, the root of the runtime, the data and the keys: $NXS_HOME, else
 * $HOME/.nxs, else <the account's home>/.nxs. Never a path relative to the working
 * folder: with HOME unset it used to be `./.nxs`, so data and keys landed wherever
 * nxs happened to be started (issue 14). The single file's header decides the same
 * way and exports NXS_HOME when it had to ask the password database.
 */
export function resolveNxsHome(env: Readonly<Record<string, string | undefined>>, accountHome: () => string | undefined): string {
  if (env.NXS_HOME) return path.resolve(env.NXS_HOME);
  if (env.HOME && path.isAbsolute(env.HOME)) return path.join(env.HOME, '.nxs');
  const home = accountHome();
  if (home && path.isAbsolute(home)) return path.join(home, '.nxs');
  const why = env.HOME ? `HOME is not an absolute path (${env.HOME})` : 'HOME is unset';
  throw new NxsError('NXS_ERR_NO_HOME', `${why} and this account has no home in the password database; set HOME or NXS_HOME to a folder of yours`, {});
}

/** The current account's home from the password database (getpwuid_r, so NSS too); undefined when it has no entry. */
export function accountHomeDir(): string | undefined {
  try {
    return userInfo().homedir || undefined;
  } catch (err) {
    // libuv reports a uid without a passwd entry as a system error (ENOENT).
    if (systemErrorCode(err) === 'ERR_SYSTEM_ERROR') return undefined;
    throw err;
  }
}
