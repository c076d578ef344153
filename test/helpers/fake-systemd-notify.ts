import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A fake `systemd-notify`: a real executable in a temp folder (put the folder
 * on PATH) that appends one line per call, `<NOTIFY_SOCKET>|<args joined by space>`,
 * to a log. Modes: `fail()` makes it print to stderr and exit 1, `hang()` makes
 * it sleep until killed, `ok()` restores success.
 */
export class FakeSystemdNotify implements Disposable {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'nxs-fake-sdnotify-'));
  private readonly log = path.join(this.dir, 'calls.log');
  private readonly mode = path.join(this.dir, 'mode');

  constructor() {
    const script = `#!/bin/sh
mode=$(cat '${this.mode}' 2>/dev/null)
printf '%s|%s\\n' "$NOTIFY_SOCKET" "$*" >> '${this.log}'
case "$mode" in
  fail) echo "Failed to notify init system: Connection refused" >&2; exit 1 ;;
  hang) exec sleep 600 ;;
esac
exit 0
`;
    const file = path.join(this.dir, 'systemd-notify');
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }

  /** Each call so far: the NOTIFY_SOCKET it saw and its arguments. */
  calls(): { socket: string; args: string }[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf('|');
        return { socket: l.slice(0, i), args: l.slice(i + 1) };
      });
  }

  /** Just the arguments, in call order. */
  args(): string[] {
    return this.calls().map((c) => c.args);
  }

  ok(): void {
    rmSync(this.mode, { force: true });
  }
  fail(): void {
    writeFileSync(this.mode, 'fail');
  }
  hang(): void {
    writeFileSync(this.mode, 'hang');
  }

  [Symbol.dispose](): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
