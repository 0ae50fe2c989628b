// The exit code of a process that could not be started, decided from the runtime's error text
// as docker does (cli/command/container/run.go toStatusError; the daemon's exec does the same).

/** 127: the command was not found; 126: it could not be invoked; else 125 (berth's own failure). */
export function startErrorStatus(message: string): number {
  const m = message.replace(/^Error response from daemon: /, '');
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(m)) return 127;
  if (/permission denied|is a directory/.test(m)) return 126;
  return 125;
}
