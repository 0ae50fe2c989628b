// Legacy container links (--link NAME[:ALIAS]): how they are written in HostConfig.Links
// ("/target:/self/alias", as Docker keeps them) and the variables a linked container gets on the
// default bridge (moby daemon/links: ALIAS_NAME, ALIAS_PORT*, ALIAS_ENV_*). On user-defined
// networks a link is an endpoint's DNS alias instead (network/endpoint-names.ts).

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
