// Registry authentication (distribution's docs/spec/auth/token.md): a registry answers 401 with
// `WWW-Authenticate: Basic realm=…` or `Bearer realm="…",service="…",scope="…"`. Basic sends the
// credentials on every request; Bearer trades them (or nothing, for anonymous pulls) at the
// realm for a token scoped to "repository:NAME:pull,push", cached per scope until it expires.
// Credentials arrive per request (the X-Registry-Auth header) and are never logged or stored.
import { InvalidArgumentError } from '../../errors.js';
import { UnauthorizedError } from './errors.js';
import { readBody, registryRequest } from './registry-http.js';

/** docker's AuthConfig (api/types/registry): what X-Registry-Auth and POST /auth carry. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64("user:password"), as config.json stores it. */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** An OAuth refresh token from a previous login. */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
}

/** Decodes X-Registry-Auth: base64url (or std base64) JSON; empty or "e30=" means anonymous. */
export function decodeAuthHeader(value: string | undefined): AuthConfig {
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new InvalidArgumentError('invalid X-Registry-Auth header: must be base64url-encoded JSON');
  }
  if (parsed === null || typeof parsed !== 'object') return {};
  const a = parsed as Record<string, unknown>;
  const s = (k: string) => (typeof a[k] === 'string' && a[k] !== '' ? (a[k] as string) : undefined);
  const out: AuthConfig = {
    username: s('username'), password: s('password'), auth: s('auth'), email: s('email'),
    serveraddress: s('serveraddress'), identitytoken: s('identitytoken'), registrytoken: s('registrytoken'),
  };
  if (out.auth && !out.username) {
    const plain = Buffer.from(out.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      out.username = plain.slice(0, i);
      out.password = plain.slice(i + 1);
    }
  }
  return out;
}

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses WWW-Authenticate: `Bearer realm="https://x/token",service="reg",scope="a,b"`. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(header) ? header : header ? [header] : []) {
    const m = /^\s*(\w+)\s*(.*)$/.exec(h);
    if (!m) continue;
    const scheme = m[1]!.toLowerCase();
    if (scheme !== 'basic' && scheme !== 'bearer') continue;
    const params: Record<string, string> = {};
    for (const p of m[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
      params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
    }
    out.push({ scheme, params });
  }
  return out;
}

function basic(auth: AuthConfig): string | undefined {
  if (!auth.username || auth.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** The Authorization header to send for one scope at one registry, fetching tokens as needed. */
export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(
    private readonly auth: AuthConfig,
    private readonly skipVerify: boolean,
  ) {}

  /** Records the challenge from a 401 (the /v2/ ping or any request). */
  setChallenge(header: string | string[] | undefined): void {
    const all = parseChallenges(header);
    this.challenge = all.find((c) => c.scheme === 'bearer') ?? all[0];
  }

  get hasChallenge(): boolean {
    return this.challenge !== undefined;
  }

  async header(scopes: string[]): Promise<string | undefined> {
    if (this.auth.registrytoken) return `Bearer ${this.auth.registrytoken}`;
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return basic(this.auth);
    return `Bearer ${await this.token(c, scopes)}`;
  }

  /** Forgets cached tokens, e.g. after a 401 with a token that should have worked. */
  reset(): void {
    this.tokens.clear();
  }

  private async token(c: Challenge, scopes: string[]): Promise<string> {
    const key = scopes.join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return cached.token;
    const realm = c.params.realm;
    if (!realm) throw new UnauthorizedError('bearer auth challenge without realm');
    const u = new URL(realm);
    if (c.params.service) u.searchParams.set('service', c.params.service);
    for (const s of scopes) u.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    const b = basic(this.auth);
    if (b) headers.Authorization = b;
    if (this.auth.username) u.searchParams.set('account', this.auth.username);
    const res = await registryRequest({ method: 'GET', url: u.toString(), headers, skipVerify: this.skipVerify });
    const body = await readBody(res, 1 << 20);
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new UnauthorizedError(`${b ? 'unauthorized: incorrect username or password' : 'unauthorized: authentication required'}`);
    }
    if (res.statusCode !== 200) throw new UnauthorizedError(`token request to ${u.origin}${u.pathname} failed with status: ${res.statusCode}`);
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new UnauthorizedError('token response is not JSON');
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new UnauthorizedError('token response holds no token');
    // Token spec: 60 s when expires_in is absent; refresh a little early.
    const ttl = Math.max(10, (parsed.expires_in ?? 60) - 5) * 1000;
    this.tokens.set(key, { token, expires: Date.now() + ttl });
    return token;
  }
}
