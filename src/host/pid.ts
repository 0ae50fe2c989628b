// Whether a process still exists, by PID: kill(pid, 0), no file read. A zombie counts (it has
// not been reaped); a PID reused since is not told apart (callers that care also read argv).

export function pidExists(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
