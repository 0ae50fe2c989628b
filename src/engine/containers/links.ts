// Legacy container links (--link NAME[:ALIAS]): how they are written in HostConfig.Links
// ("/target:/self/alias", as Docker keeps them) and the variables a linked container gets on the
// default bridge (moby daemon/links: ALIAS_NAME, ALIAS_PORT*, ALIAS_ENV_*), with its /etc/hosts
// entries. On user-defined networks a link is an endpoint's DNS alias instead
// (network/endpoint-names.ts).
import { promises as fs } from 'node:fs';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { NetworkAttachment } from '../network/types.js';
import { updateHostsAddress, type HostsEntry } from './etc-files.js';
import { isRunning } from './state.js';
import type { ContainerRecord } from './types.js';
import { PREDEFINED_NETWORKS } from '../network/types.js';

export interface LinkSpec {
  /** The linked container's name or ID, without the leading slash. */
  target: string;
  /** The name it has for this container. */
  alias: string;
}

/** "name:alias", "name" (alias = name) or Docker's stored "/name:/self/alias". */
export function parseLink(spec: string): LinkSpec {
  const i = spec.indexOf(':');
  const target = (i < 0 ? spec : spec.slice(0, i)).replace(/^\//, '');
  const aliasPart = i < 0 ? target : spec.slice(i + 1);
  const alias = aliasPart.slice(aliasPart.lastIndexOf('/') + 1);
  return { target, alias: alias || target };
}

/** HostConfig.Links as Docker stores and shows them: "/target:/self/alias". */
export function storedLink(targetName: string, selfName: string, alias: string): string {
  return `/${targetName.replace(/^\//, '')}:/${selfName.replace(/^\//, '')}/${alias}`;
}

export interface LinkedContainer {
  /** Its IP address on the network the link is made on. */
  ip: string;
  /** Config.ExposedPorts keys ("80/tcp"). */
  exposedPorts: string[];
  /** Its Config.Env. */
  env: string[];
}

/** The variables for one link, in Docker's order and spelling. */
export function linkEnv(alias: string, selfName: string, child: LinkedContainer): string[] {
  const prefix = alias.toUpperCase().replace(/-/g, '_');
  const ports = child.exposedPorts
    .map((k) => {
      const [port = '', proto = 'tcp'] = k.split('/');
      return { port: Number(port), proto };
    })
    .filter((p) => p.port > 0)
    .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
  const env: string[] = [];
  const first = ports[0];
  if (first) env.push(`${prefix}_PORT=${first.proto}://${child.ip}:${first.port}`);
  for (const p of ports) {
    const key = `${prefix}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${key}=${p.proto}://${child.ip}:${p.port}`, `${key}_ADDR=${child.ip}`, `${key}_PORT=${p.port}`, `${key}_PROTO=${p.proto}`);
  }
  env.push(`${prefix}_NAME=/${selfName.replace(/^\//, '')}/${alias}`);
  for (const kv of child.env) {
    const i = kv.indexOf('=');
    if (i < 0) continue;
    const k = kv.slice(0, i);
    // As Docker: what every image sets says nothing about the linked container.
    if (k === 'HOME' || k === 'PATH') continue;
    env.push(`${prefix}_ENV_${k}=${kv.slice(i + 1)}`);
  }
  return env;
}

/** The containers links are made between, as the container store knows them. */
export interface LinkedContainers {
  find(ref: string): ContainerRecord | undefined;
  /** Containers with legacy links of their own. */
  withLinks(): ContainerRecord[];
}

/** Links between the containers of one daemon: resolved at create, applied at start. */
export class ContainerLinks {
  /** `hostsFileOf`: a container's /etc/hosts on the host, bind-mounted into it while it runs. */
  constructor(private readonly containers: LinkedContainers, private readonly hostsFileOf: (id: string) => string) {}

  /**
   * HostConfig.Links of a new container in Docker's stored form. On a user-defined network they
   * also become its endpoint's links (`networks`: the create's plan, primary network first).
   */
  resolve(links: string[], selfName: string, networks: Record<string, NetworkAttachment>, networkMode: string): string[] {
    const stored = links.map((l) => {
      const { target, alias } = parseLink(l);
      const child = this.containers.find(target);
      // 400, not 404: at create a 404 makes the docker CLI think the image is missing and pull it.
      if (!child) throw new InvalidArgumentError(`could not get container for ${target}: No such container: ${target}`);
      return storedLink(child.Name, selfName, alias);
    });
    const [primaryName, primary] = Object.entries(networks)[0] ?? [];
    if (stored.length && primary && !PREDEFINED_NETWORKS.has(primaryName!) && !networkMode.startsWith('container:') && !primary.Links?.length) {
      primary.Links = stored.map((l) => {
        const { target, alias } = parseLink(l);
        return `${target}:${alias}`;
      });
    }
    return stored;
  }

  /**
   * The variables of a starting container's links on the default bridge: each linked container
   * must run (Docker's). Elsewhere links are DNS aliases and add no variables.
   */
  env(rec: ContainerRecord): string[] {
    const links = rec.HostConfig.Links ?? [];
    if (!links.length || !rec.Networks?.bridge) return [];
    return links.flatMap((l) => {
      const { target, alias } = parseLink(l);
      const child = this.containers.find(target);
      if (!child || !isRunning(child)) {
        throw new ConflictError(`Cannot link to a non running container: /${target} AS ${rec.Name}/${alias}`);
      }
      return linkEnv(alias, rec.Name, {
        ip: child.Networks?.bridge?.Endpoint?.IPAddress ?? '',
        exposedPorts: Object.keys(child.Config.ExposedPorts ?? {}),
        env: child.Config.Env ?? [],
      });
    });
  }

  /**
   * /etc/hosts entries for links on the default bridge, as moby's addLegacyLinks writes them:
   * the linked container's address with the alias, its hostname and (if other) its name.
   */
  hosts(rec: ContainerRecord): HostsEntry[] {
    if (!rec.Networks?.bridge) return [];
    return (rec.HostConfig.Links ?? []).flatMap((l) => {
      const { target, alias } = parseLink(l);
      const child = this.containers.find(target);
      const ip = child?.Networks?.bridge?.Endpoint?.IPAddress;
      if (!child || !ip) return [];
      const names = [alias, child.Config.Hostname];
      if (alias !== child.Name.slice(1)) names.push(child.Name.slice(1));
      return [{ ip, names }];
    });
  }

  /**
   * A container that others link to started (maybe with another address): their /etc/hosts
   * entries for it follow, as moby's addLegacyLinks updates its parents. Written in place: the
   * file is bind-mounted into the running parent.
   */
  async updateParents(rec: ContainerRecord): Promise<void> {
    const ip = rec.Networks?.bridge?.Endpoint?.IPAddress;
    if (!ip) return;
    for (const parent of this.containers.withLinks()) {
      if (parent.Id === rec.Id || !isRunning(parent)) continue;
      for (const l of parent.HostConfig.Links ?? []) {
        const { target, alias } = parseLink(l);
        if (this.containers.find(target)?.Id !== rec.Id) continue;
        const file = this.hostsFileOf(parent.Id);
        const text = await fs.readFile(file, 'utf8').catch(() => undefined);
        const updated = text === undefined ? undefined : updateHostsAddress(text, alias, ip);
        if (updated !== undefined) await fs.writeFile(file, updated);
      }
    }
  }
}

/** DELETE /containers/{parent}/{alias}?link=1: drops the link from the record (the caller saves it). */
export function dropLink(rec: ContainerRecord, alias: string): void {
  const links = rec.HostConfig.Links ?? [];
  const kept = links.filter((l) => parseLink(l).alias !== alias);
  if (kept.length === links.length) throw new NotFoundError(`Could not find container link ${rec.Name}/${alias}`);
  rec.HostConfig.Links = kept.length ? kept : null;
  for (const att of Object.values(rec.Networks ?? {})) {
    if (att.Links?.length) att.Links = att.Links.filter((l) => parseLink(l).alias !== alias);
  }
}
