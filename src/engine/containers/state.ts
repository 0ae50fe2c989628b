// The container state machine (Docker's State.Status values) and the transitions berth allows.
import { ConflictError } from '../../errors.js';
import type { ContainerState, ContainerStatus } from './types.js';

const TRANSITIONS: Record<ContainerStatus, ContainerStatus[]> = {
  created: ['running', 'exited', 'removing'],
  running: ['paused', 'exited', 'restarting', 'removing'],
  paused: ['running', 'exited', 'removing'],
  restarting: ['running', 'exited', 'removing'],
  exited: ['running', 'restarting', 'removing'],
  removing: ['dead'],
  dead: ['removing'],
};

/** The time docker writes for what has not happened yet (StartedAt of a container never started). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** What a start makes of a container's state. PIDs 0: recorded ahead of the runtime's answer. */
export function runningState(pid: number, monitorPid: number, startedAt: string): Omit<ContainerState, 'RestartCount' | 'Health'> {
  return { Status: 'running', Pid: pid, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: startedAt, FinishedAt: ZERO_TIME, MonitorPid: monitorPid };
}

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/**
 * The one place a container's status changes. A move the table lacks is a bug in berth: it is
 * still made (an exit must be recorded whatever berth believed before) and reported in the
 * daemon's log, which the integration tests read. Refusing a user's request is the caller's
 * (canTransition first, then a 409).
 */
export function moveTo(rec: { Id: string; State: { Status: ContainerStatus } }, to: ContainerStatus): void {
  const from = rec.State.Status;
  if (!canTransition(from, to)) console.error(`berthd: container ${rec.Id.slice(0, 12)} went from ${from} to ${to}, which is no transition of the state machine`);
  rec.State.Status = to;
}

/** Whether the container has a process, running or paused (docker's State.Running is true for both). */
export function isRunning(c: { State: { Status: ContainerStatus } }): boolean {
  return c.State.Status === 'running' || c.State.Status === 'paused';
}

/** Whether a removal has begun (the container can no longer start). */
export function isBeingRemoved(c: { State: { Status: ContainerStatus } }): boolean {
  return c.State.Status === 'removing' || c.State.Status === 'dead';
}

export function isActive(status: ContainerStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'restarting';
}

/** docker's 409 for what needs a running container (an exec's create, start and launch). */
export function notRunning(id: string): ConflictError {
  return new ConflictError(`Container ${id} is not running`);
}

/** docker's refusals of an exec (at create, at start, at its launch): paused, restarting, not running. */
export function refuseExecUnlessRunning(c: { Id: string; State: { Status: ContainerStatus } }): void {
  if (c.State.Status === 'paused') throw new ConflictError(`Container ${c.Id} is paused, unpause the container before exec`);
  // moby counts a container waiting out its restart policy's delay as running, and restarting.
  if (c.State.Status === 'restarting') throw new ConflictError(`Container ${c.Id} is restarting, wait until the container is running`);
  if (c.State.Status !== 'running') throw notRunning(c.Id);
}
