// crun 1.8.1 fchowns the standard streams it is handed to the process's user (so the process can
// reopen /proc/self/fd/0), device files included (later crun versions skip them). conmon hands a
// process without stdin the host's /dev/null, so `exec -d -u 1234 CTR …`, or any process in a
// remapped user namespace, would make the host's /dev/null that user's (who may then chmod it).
// A guard in front of the runtime swaps a /dev/null stdin for an empty file of its own: the
// process reads the same EOF.
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The path of a wrapper (made once in dir) that runs runtimePath with a guarded stdin. */
export function stdinGuardedRuntime(runtimePath: string, dir: string): string {
  const wrapper = path.join(dir, `${path.basename(runtimePath)}-stdio-guard`);
  if (existsSync(wrapper)) return wrapper;
  mkdirSync(dir, { recursive: true });
  const empty = path.join(dir, 'empty-stdin');
  writeFileSync(empty, '', { mode: 0o444 });
  const script = [
    '#!/bin/sh',
    '# Written by berthd: see src/host/stdin-guard.ts.',
    `if [ /dev/stdin -ef /dev/null ]; then exec ${shq(runtimePath)} "$@" < ${shq(empty)}; fi`,
    `exec ${shq(runtimePath)} "$@"`,
    '',
  ].join('\n');
  // Written under another name and renamed: a concurrent caller never runs half a script.
  const tmp = `${wrapper}.${process.pid}.tmp`;
  writeFileSync(tmp, script, { mode: 0o700 });
  chmodSync(tmp, 0o700);
  renameSync(tmp, wrapper);
  return wrapper;
}
