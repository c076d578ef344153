import { it } from 'vitest';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { execFileSync } from 'node:child_process';
import { startGitServer } from '../../helpers/git-server.ts';
it('dbg', async () => {
  await using gs = await startGitServer();
  const url = gs.createRepo('x');
  const w = fs.mkdtempSync('/tmp/dbgw-');
  execFileSync('sh', ['-c', `cd ${w} && git init -q -b main && echo a > a && git add a && git -c user.name=a -c user.email=a@b commit -qm a && git push -q ${url} main`]);
  const dir = fs.mkdtempSync('/tmp/dbg-');
  try { await git.clone({ fs, http, dir, url, ref: 'main', singleBranch: true, depth: 1, noTags: true }); } catch (e: any) { process.stderr.write('clone ' + e.code + e.message + '\n'); }
  try { process.stderr.write('ref ' + await git.resolveRef({ fs, dir, ref: 'main' }) + '\n'); } catch (e: any) { process.stderr.write('resolve ' + e.code + e.message + '\n'); }
  process.stderr.write(execFileSync('sh', ['-c', `cd ${dir} && ls -la .git .git/refs/heads; cat .git/HEAD`]).toString());
});
