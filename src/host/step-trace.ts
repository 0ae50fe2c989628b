// A container's steps in berthd, timed, for the bench's split of a run into berthd's own work
// and the runtime's (bench/own-share.ts) without strace's tenfold slowdown. Off unless berthd
// runs with BERTH_TRACE_STEPS=1; then each step is a line on its stderr:
//   berthd-step <epoch ms, to the microsecond> <container ID> <step>
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const enabled = process.env.BERTH_TRACE_STEPS === '1';

export type ContainerStep =
  /** The bundle is written; conmon and the runtime's create come next. */
  | 'runtime-create'
  /** The runtime made the process (conmon reported its PID). */
  | 'runtime-created'
  /** The process was let run. */
  | 'runtime-started'
  /** conmon's exit file was seen. */
  | 'exit-seen';

export function traceStep(id: string, step: ContainerStep): void {
  if (enabled) writeSync(2, `berthd-step ${(performance.timeOrigin + performance.now()).toFixed(3)} ${id} ${step}\n`);
}
