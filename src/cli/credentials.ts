// Registry credentials in docker's config.json (cli/config/configfile): $DOCKER_CONFIG/config.json
// or ~/.docker/config.json, {"auths": {"127.0.0.1:5000": {"auth": base64("user:password")}}},
// Docker Hub under "https://index.docker.io/v1/". Written atomically with mode 0600 and every
// other key kept, so docker and berth share one file. Credential helpers (credsStore) are not
// run: their entries are left alone.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RegistryAuth } from '../client/distribution.js';
import { DOCKER_HUB_AUTH_KEY, parseReference } from '../protocol/reference.js';

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; email?: string }>;
  [k: string]: unknown;
}

export function configPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

function read(file: string): ConfigFile {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as ConfigFile;
  } catch (err) {
    throw new Error(`loading config file: ${file}: ${(err as Error).message}`);
  }
}

function write(file: string, cfg: ConfigFile): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The key a registry's credentials live under: a domain, or Docker Hub's legacy URL. */
export function serverKey(server: string | undefined): string {
  if (!server) return DOCKER_HUB_AUTH_KEY;
  const s = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (s === 'docker.io' || s === 'index.docker.io' || s === 'registry-1.docker.io') return DOCKER_HUB_AUTH_KEY;
  return s;
}

/** The registry key for an image name: "127.0.0.1:5000/app:1" → "127.0.0.1:5000". */
export function serverKeyForImage(image: string): string {
  return serverKey(parseReference(image).domain);
}

/** Stored credentials for a registry key, as the AuthConfig to send, or undefined. */
export function loadAuth(env: NodeJS.ProcessEnv, key: string): RegistryAuth | undefined {
  const cfg = read(configPath(env));
  const auths = cfg.auths ?? {};
  const entry = auths[key] ?? (key === DOCKER_HUB_AUTH_KEY ? undefined : auths[`https://${key}`] ?? auths[`http://${key}`]);
  if (!entry) return undefined;
  const out: RegistryAuth = { serveraddress: key };
  if (entry.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      out.username = plain.slice(0, i);
      out.password = plain.slice(i + 1);
    }
  }
  if (entry.identitytoken) out.identitytoken = entry.identitytoken;
  return out;
}

export function saveAuth(env: NodeJS.ProcessEnv, key: string, username: string, password: string): string {
  const file = configPath(env);
  const cfg = read(file);
  cfg.auths = { ...(cfg.auths ?? {}), [key]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  write(file, cfg);
  return file;
}

/** Returns false when there was nothing stored for the key. */
export function removeAuth(env: NodeJS.ProcessEnv, key: string): boolean {
  const file = configPath(env);
  const cfg = read(file);
  if (!cfg.auths || !(key in cfg.auths)) return false;
  delete cfg.auths[key];
  write(file, cfg);
  return true;
}
