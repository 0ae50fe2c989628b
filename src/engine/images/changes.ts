// Dockerfile instructions applied to an image config, for `docker commit --change` and
// `docker import --change` (moby builder/dockerfile: BuildFromConfig, validCommitCommands).
import * as path from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import type { ImageRunConfig } from './types.js';

const VALID = new Set(['cmd', 'entrypoint', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);
const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Splits change strings into instructions: one per line, "\" continues a line, "#" comments. */
function instructions(changes: readonly string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of changes.join('\n').split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (pending === '' && /^\s*(#|$)/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      pending += line.replace(/\\\s*$/, '');
      continue;
    }
    out.push((pending + line).trim());
    pending = '';
  }
  if (pending.trim() !== '') out.push(pending.trim());
  return out;
}

/** The JSON ("exec") form, or undefined when `rest` is the shell form. */
function jsonForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: docker then takes the whole text as the shell form.
  }
  return undefined;
}

function envKey(e: string): string {
  const eq = e.indexOf('=');
  return eq < 0 ? e : e.slice(0, eq);
}

/** Expands $VAR and ${VAR} from `env` (KEY=value list); "\$" stays a literal "$". */
function expand(word: string, env: readonly string[]): string {
  const vars = new Map(env.map((e) => [envKey(e), e.slice(envKey(e).length + 1)]));
  return word.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a?: string, b?: string) =>
    m === '\\$' ? '$' : (vars.get((a ?? b)!) ?? ''),
  );
}

/** Shell-like words: "double" (with \ escapes), 'single', and \ outside quotes. */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
    } else if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) cur += s[i] === '\\' && i + 1 < s.length && /["\\$]/.test(s[i + 1]!) ? s[++i] : s[i];
      if (i >= s.length) throw new InvalidArgumentError(`unexpected end of statement while looking for matching double-quote`);
    } else if (c === "'") {
      for (i++; i < s.length && s[i] !== "'"; i++) cur += s[i];
      if (i >= s.length) throw new InvalidArgumentError(`unexpected end of statement while looking for matching single-quote`);
    } else {
      cur += c;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** KEY=VALUE pairs, or the legacy "KEY value with spaces" form (one pair). */
function pairs(cmd: string, rest: string, env: readonly string[]): [string, string][] {
  const ws = words(rest);
  if (ws.length === 0) throw new InvalidArgumentError(`${cmd.toUpperCase()} requires at least one argument`);
  if (!ws[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(rest.trim());
    if (!m) throw new InvalidArgumentError(`${cmd.toUpperCase()} must have two arguments`);
    return [[m[1]!, expand(words(m[2]!).join(' '), env)]];
  }
  return ws.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${cmd.toUpperCase()} names can not be blank`);
    return [w.slice(0, eq), expand(w.slice(eq + 1), env)];
  });
}

function ports(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
    if (!m) throw new InvalidArgumentError(`invalid containerPort: ${spec}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi > 65535) throw new InvalidArgumentError(`invalid range specified for port: ${spec}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}

/**
 * Returns a copy of `base` with the Dockerfile `changes` applied. Throws InvalidArgumentError
 * for instructions docker does not take here ("run is not a valid change command").
 */
export function applyChanges(base: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const c: ImageRunConfig = structuredClone(base);
  let cmdSet = false;
  for (const line of instructions(changes)) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const cmd = m[1]!.toLowerCase();
    const rest = m[2]!.trim();
    if (!VALID.has(cmd)) throw new InvalidArgumentError(`${cmd} is not a valid change command`);
    const env = c.Env ?? [];
    switch (cmd) {
      case 'cmd':
        c.Cmd = jsonForm(rest) ?? [...(c.Shell ?? DEFAULT_SHELL), rest];
        cmdSet = true;
        break;
      case 'entrypoint':
        c.Entrypoint = jsonForm(rest) ?? (rest === '' ? null : [...(c.Shell ?? DEFAULT_SHELL), rest]);
        // As in a Dockerfile: a new ENTRYPOINT drops an inherited CMD.
        if (!cmdSet) c.Cmd = null;
        break;
      case 'env':
        for (const [k, v] of pairs(cmd, rest, c.Env ?? [])) {
          const list = [...(c.Env ?? [])];
          const at = list.findIndex((e) => envKey(e) === k);
          if (at >= 0) list[at] = `${k}=${v}`;
          else list.push(`${k}=${v}`);
          c.Env = list;
        }
        break;
      case 'label':
        c.Labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of pairs(cmd, rest, env)) c.Labels[k] = v;
        break;
      case 'expose':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of ports(words(rest).map((w) => expand(w, env)))) c.ExposedPorts[p] = {};
        break;
      case 'volume': {
        const vols = jsonForm(rest) ?? words(rest).map((w) => expand(w, env));
        if (vols.length === 0 || vols.some((v) => v.trim() === '')) throw new InvalidArgumentError('VOLUME specified can not be an empty string');
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of vols) c.Volumes[v] = {};
        break;
      }
      case 'workdir': {
        const dir = expand(rest, env);
        if (dir === '') throw new InvalidArgumentError('WORKDIR requires exactly one argument');
        c.WorkingDir = path.posix.join(dir.startsWith('/') ? '/' : c.WorkingDir || '/', dir);
        break;
      }
      case 'user':
        if (rest === '') throw new InvalidArgumentError('USER requires exactly one argument');
        c.User = expand(rest, env);
        break;
      case 'stopsignal':
        if (rest === '') throw new InvalidArgumentError('STOPSIGNAL requires exactly one argument');
        c.StopSignal = expand(rest, env);
        break;
      case 'onbuild': {
        const inner = /^(\S+)/.exec(rest)?.[1]?.toUpperCase();
        if (!inner) throw new InvalidArgumentError('ONBUILD requires at least one argument');
        if (inner === 'ONBUILD') throw new InvalidArgumentError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (inner === 'FROM' || inner === 'MAINTAINER') throw new InvalidArgumentError(`${inner} isn't allowed as an ONBUILD trigger`);
        c.OnBuild = [...(c.OnBuild ?? []), rest.replace(/^\S+/, inner)];
        break;
      }
    }
  }
  return c;
}
