// Swarm mode's routes (swarm, nodes, services, tasks, secrets, configs). berth is never part of a
// swarm; it answers as a dockerd outside one does (503 with dockerd's words), which clients
// such as docker-py and the docker CLI treat as "no swarm here" instead of a broken daemon.
import { HttpError } from './errors.js';
import type { Router } from './router.js';

const NOT_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const NOT_MEMBER = 'This node is not part of a swarm';
const UNSUPPORTED = 'berth does not support swarm mode';

export function registerSwarmRoutes(router: Router): void {
  const answer = (message: string) => () => {
    throw new HttpError(503, message);
  };
  router.add('GET', '/swarm', answer(NOT_MANAGER));
  router.add('POST', '/swarm/leave', answer(NOT_MEMBER));
  router.add('POST', '/swarm/init', answer(UNSUPPORTED));
  router.add('POST', '/swarm/join', answer(UNSUPPORTED));
  router.add('POST', '/swarm/update', answer(NOT_MANAGER));
  router.add('GET', '/swarm/unlockkey', answer(NOT_MANAGER));
  router.add('POST', '/swarm/unlock', answer(NOT_MEMBER));
  for (const res of ['nodes', 'services', 'tasks', 'secrets', 'configs']) {
    router.add('GET', `/${res}`, answer(NOT_MANAGER));
    router.add('GET', `/${res}/{id}`, answer(NOT_MANAGER));
    router.add('DELETE', `/${res}/{id}`, answer(NOT_MANAGER));
    router.add('POST', `/${res}/{id}/update`, answer(NOT_MANAGER));
    if (res !== 'nodes' && res !== 'tasks') router.add('POST', `/${res}/create`, answer(NOT_MANAGER));
  }
  router.add('GET', '/services/{id}/logs', answer(NOT_MANAGER));
  router.add('GET', '/tasks/{id}/logs', answer(NOT_MANAGER));
}
