// Whether a process still exists, by PID: kill(pid, 0), no file read. A zombie counts (it has
// not been reaped); a PID reused since is not told apart (callers that care also read argv).
// processLives also tells an ended process (a zombie) apart, with one read of /proc.
import { readFileSync } from 'node:fs';

export function pidExists(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether a process exists and has not ended: a zombie (ended, not reaped yet) does not count.
 * Read from /proc/PID/stat, whose third field is the state ('Z' for a zombie, 'X' dead).
 */
export function processLives(pid: number): boolean {
  if (!pidExists(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command (field 2) is in parentheses and may hold spaces or parentheses itself.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
