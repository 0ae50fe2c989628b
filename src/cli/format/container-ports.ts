// The PORTS column of `docker ps` (formatter.DisplayablePorts): published and exposed ports,
// consecutive ports collapsed into ranges, e.g.
//   "80/tcp, 0.0.0.0:8000-8001->8000-8001/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"

/** A port of a container in GET /containers/json. */
export interface ApiPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

interface Group {
  first: number;
  last: number;
}

export function displayablePorts(ports: readonly ApiPort[]): string {
  const groups = new Map<string, Group>(); // insertion order is the order keys were first seen
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of [...ports].sort(comparePorts)) {
    const current = port.PrivatePort;
    let key = port.Type;
    if (port.IP) {
      const published = port.PublicPort ?? 0;
      // Only ports published on the same number group into ranges; the rest are listed last.
      if (published !== current) {
        hostMappings.push(`${joinHostPort(port.IP, String(published))}->${current}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group));
    // Re-setting keeps the key's original position, as docker's map+key list does.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, group] of groups) result.push(formGroup(key, group));
  return [...result, ...hostMappings].join(', ');
}

function formGroup(key: string, { first, last }: Group): string {
  const slash = key.indexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** net.JoinHostPort: IPv6 hosts go in brackets. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function comparePorts(a: ApiPort, b: ApiPort): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const ipA = a.IP ?? '';
  const ipB = b.IP ?? '';
  if (ipA !== ipB) return ipA < ipB ? -1 : 1;
  const pubA = a.PublicPort ?? 0;
  const pubB = b.PublicPort ?? 0;
  if (pubA !== pubB) return pubA - pubB;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}
