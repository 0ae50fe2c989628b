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

/** The kernel's flag of a task in do_exit (include/linux/sched.h). */
const PF_EXITING = 0x4;

/**
 * Whether a process exists and has not ended: a zombie (ended, not reaped yet) does not count,
 * nor does one in the middle of its exit. A namespace's PID 1 stays there until every process
 * of its namespace is reaped, which an orphan's late reaping can make last hundreds of ms (an
 * exec's half-made process, killed with the namespace, seen as a 500 for an exec into an ending
 * container). Read from /proc/PID/stat: the third field is the state ('Z' zombie, 'X' dead),
 * the ninth the task's flags.
 */
export function processLives(pid: number): boolean {
  if (!pidExists(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command (field 2) is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[0] !== 'X' && (Number(fields[6]) & PF_EXITING) === 0;
  } catch {
    return false;
  }
}
