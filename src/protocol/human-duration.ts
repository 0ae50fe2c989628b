// Docker's human durations (go-units HumanDuration), part of the wire format: the daemon puts
// them in a container summary's Status ("Up 3 minutes", "Exited (0) 2 hours ago").

export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const exactHours = ms / 3_600_000;
  const hours = Math.trunc(exactHours + 0.5); // rounded, unlike the smaller units
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(exactHours) / 24 / 365)} years`;
}

/** The Status column of `docker ps` for a container's state. */
export function containerStatusText(
  state: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string; Health?: { Status: string } },
  now = Date.now(),
): string {
  const since = (iso: string) => humanDuration(Math.max(0, now - Date.parse(iso)));
  switch (state.Status) {
    case 'running':
      // docker's State.String(): "(health: starting)", "(healthy)", "(unhealthy)".
      if (state.Health) return `Up ${since(state.StartedAt)} (${state.Health.Status === 'starting' ? 'health: starting' : state.Health.Status})`;
      return `Up ${since(state.StartedAt)}`;
    case 'paused':
      return `Up ${since(state.StartedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    default:
      return state.FinishedAt.startsWith('0001') ? 'Created' : `Exited (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
  }
}
