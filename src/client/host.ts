// Where the daemon is: -H/--host, then BERTH_HOST, then DOCKER_HOST, else the default socket.
// Docker's host syntax: unix:///path, tcp://host:port (2375, or 2376 with TLS), http(s)://.

export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

export interface TlsFiles {
  /** Verify the daemon's certificate against ca (--tlsverify). */
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export type Endpoint =
  | { kind: 'unix'; url: string; socketPath: string }
  | { kind: 'tcp'; url: string; host: string; port: number; tls?: TlsFiles };

export function resolveHostUrl(flagHosts: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  if (flagHosts.length > 1) throw new Error('Specify only one -H');
  const fromFlag = flagHosts[0];
  if (fromFlag) return fromFlag;
  return env['BERTH_HOST'] || env['DOCKER_HOST'] || DEFAULT_HOST;
}

export function parseHost(raw: string, tls?: TlsFiles): Endpoint {
  const value = raw.trim();
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (socketPath === '') throw new Error(`invalid host: ${raw}`);
    return { kind: 'unix', url: value, socketPath };
  }
  if (value.startsWith('/')) return { kind: 'unix', url: `unix://${value}`, socketPath: value };
  let rest: string;
  let scheme = 'tcp';
  const m = /^([a-z]+):\/\/(.*)$/.exec(value);
  if (m) {
    scheme = m[1] ?? '';
    rest = m[2] ?? '';
  } else {
    rest = value;
  }
  if (scheme === 'https' && !tls) tls = { verify: true };
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    throw new Error(`Invalid bind address format: ${raw}`);
  }
  rest = rest.replace(/\/.*$/, '');
  let host = rest;
  let port = tls ? 2376 : 2375;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1] ?? '';
    if (v6[2]) port = Number(v6[2]);
  } else {
    const idx = rest.lastIndexOf(':');
    if (idx >= 0) {
      host = rest.slice(0, idx);
      const p = rest.slice(idx + 1);
      if (!/^\d+$/.test(p)) throw new Error(`invalid bind address (${raw}): invalid port`);
      port = Number(p);
    }
  }
  if (host === '') host = '127.0.0.1';
  const url = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return tls ? { kind: 'tcp', url, host, port, tls } : { kind: 'tcp', url, host, port };
}
