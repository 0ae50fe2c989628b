// The Dockerfile instructions that only change an image's config (ENV, ARG, LABEL, CMD,
// ENTRYPOINT, EXPOSE, WORKDIR, USER, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD,
// MAINTAINER), evaluated as docker's classic builder does, plus the pieces RUN and COPY share:
// the variables in scope and the shell form. Pure: no I/O, so it is unit-tested alone.
import type { ImageRunConfig } from '../images/types.js';
import { DockerfileParseError, type DfInstruction } from './dockerfile.js';
import { parseSignal } from '../../protocol/signals.js';
import { processWord, processWords, rawWords, SubstitutionError } from './shell-lex.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/**
 * A step's container_config as docker's classic builder records it: the run config with the step
 * as its Cmd (docker-compose 1.x reads its Volumes to keep a service's image volumes).
 */
export function stepContainerConfig(config: ImageRunConfig, createdBy: string): ImageRunConfig {
  return { ...config, Cmd: [...DEFAULT_SHELL, createdBy.replace(/^\/bin\/sh -c /, '')] };
}

/** Build args every Dockerfile may use without declaring them (docker's builtinAllowedBuildArgs). */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

/** What a stage has so far: its config, declared ARGs and whether CMD was set here. */
export interface StageScope {
  config: ImageRunConfig;
  /** Declared ARGs with their values (undefined: declared without one). */
  args: Map<string, string | undefined>;
  /** CMD set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  escape: string;
}

/** Variables for substitution: declared ARGs, then ENV over them (ENV wins, as docker's). */
export function scopeEnv(s: StageScope): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of s.args) if (v !== undefined) m.set(k, v);
  for (const kv of s.config.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return m;
}

export function wrap<T>(ins: DfInstruction, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SubstitutionError) throw new DockerfileParseError(ins.line, e.message);
    throw e;
  }
}

/** key=value pairs (or the legacy "KEY value" form) of ENV, LABEL and ARG. */
export function keyValues(ins: DfInstruction, env: Map<string, string>, escape: string, legacy: boolean): Array<[string, string]> {
  const words = rawWords(ins.args, escape);
  if (words.length === 0) throw new DockerfileParseError(ins.line, `${ins.cmd.toUpperCase()} requires at least one argument`);
  if (legacy && !words[0]!.includes('=')) {
    // "ENV KEY value with spaces": the rest of the line is the value.
    const key = words[0]!;
    const rest = ins.args.slice(ins.args.indexOf(key) + key.length).trim();
    if (!rest) throw new DockerfileParseError(ins.line, `${ins.cmd.toUpperCase()} names can not be blank`);
    return [[key, processWord(rest, env, escape)]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw new DockerfileParseError(ins.line, `${ins.cmd.toUpperCase()} must have two arguments`);
    const key = processWord(w.slice(0, i), env, escape);
    if (!key) throw new DockerfileParseError(ins.line, `${ins.cmd.toUpperCase()} names can not be blank`);
    return [key, processWord(w.slice(i + 1), env, escape)];
  });
}

/** The command RUN, CMD and ENTRYPOINT run: exec form as given, else the shell form. */
export function commandOf(ins: DfInstruction, shell: readonly string[]): string[] {
  if (ins.json) return ins.json;
  let script = ins.args;
  if (ins.heredocs.length) {
    // RUN <<EOF alone runs the body as the script; otherwise the shell reads the heredocs itself.
    const only = /^<<-?(["']?)[A-Za-z_][A-Za-z0-9_]*\1$/.test(script.trim()) && ins.heredocs.length === 1;
    script = only ? ins.heredocs[0]!.body : `${script}\n${ins.heredocs.map((h) => `${h.body}${h.name}\n`).join('')}`;
  }
  return [...shell, script];
}

/** Go duration text ("30s", "1m30s", "500ms") in nanoseconds, as HEALTHCHECK takes them. */
export function parseDuration(ins: DfInstruction, flag: string, text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let rest = text;
  if (rest === '0') return 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new DockerfileParseError(ins.line, `invalid duration for --${flag}: ${text}`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

function flag(ins: DfInstruction, name: string): string | undefined {
  return ins.flags.filter(([f]) => f === name).at(-1)?.[1];
}

/** A metadata instruction's effect: the new config and how history shows it. */
export interface MetaResult {
  config: ImageRunConfig;
  /** What follows "#(nop) " in history, after substitution (also the cache key's text). */
  text: string;
  author?: string;
}

/**
 * Applies ENV, LABEL, CMD, ENTRYPOINT, EXPOSE, WORKDIR, USER, VOLUME, STOPSIGNAL, HEALTHCHECK,
 * SHELL, ONBUILD or MAINTAINER to the stage. ARG is handled by the caller (it changes the scope,
 * not the config).
 */
export function applyMeta(ins: DfInstruction, s: StageScope): MetaResult {
  return wrap(ins, () => applyMetaInner(ins, s));
}

function applyMetaInner(ins: DfInstruction, s: StageScope): MetaResult {
  const env = scopeEnv(s);
  const c: ImageRunConfig = { ...s.config };
  const shell = c.Shell?.length ? c.Shell : DEFAULT_SHELL;
  switch (ins.cmd) {
    case 'env': {
      const pairs = keyValues(ins, env, s.escape, true);
      const list = [...(c.Env ?? [])];
      for (const [k, v] of pairs) {
        const i = list.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) list[i] = `${k}=${v}`;
        else list.push(`${k}=${v}`);
        env.set(k, v);
      }
      c.Env = list;
      return { config: c, text: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'label': {
      const pairs = keyValues(ins, env, s.escape, true);
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of pairs) c.Labels[k] = v;
      return { config: c, text: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'cmd': {
      c.Cmd = commandOf(ins, shell);
      s.cmdSet = true;
      return { config: c, text: `CMD ${JSON.stringify(c.Cmd)}` };
    }
    case 'entrypoint': {
      c.Entrypoint = commandOf(ins, shell);
      // docker: an ENTRYPOINT drops a CMD inherited from the base image.
      if (!s.cmdSet) c.Cmd = null;
      return { config: c, text: `ENTRYPOINT ${JSON.stringify(c.Entrypoint)}` };
    }
    case 'expose': {
      const ports = processWords(ins.args, env, s.escape);
      if (!ports.length) throw new DockerfileParseError(ins.line, 'EXPOSE requires at least one argument');
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      const added: string[] = [];
      for (const p of ports) {
        const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
        if (!m) throw new DockerfileParseError(ins.line, `invalid containerPort: ${p}`);
        const proto = (m[3] ?? 'tcp').toLowerCase();
        const lo = Number(m[1]);
        const hi = m[2] ? Number(m[2]) : lo;
        for (let n = lo; n <= hi; n++) {
          c.ExposedPorts[`${n}/${proto}`] = {};
          added.push(`${n}/${proto}`);
        }
      }
      return { config: c, text: `EXPOSE ${added.join(' ')}` };
    }
    case 'workdir': {
      const dir = processWord(ins.args, env, s.escape);
      if (!dir) throw new DockerfileParseError(ins.line, 'WORKDIR requires exactly one argument');
      const base = c.WorkingDir || '/';
      c.WorkingDir = dir.startsWith('/') ? normalize(dir) : normalize(`${base}/${dir}`);
      return { config: c, text: `WORKDIR ${c.WorkingDir}` };
    }
    case 'user': {
      const u = processWord(ins.args, env, s.escape);
      if (!u) throw new DockerfileParseError(ins.line, 'USER requires exactly one argument');
      c.User = u;
      return { config: c, text: `USER ${u}` };
    }
    case 'volume': {
      const vols = ins.json ?? processWords(ins.args, env, s.escape);
      if (!vols.length || vols.some((v) => !v.trim())) throw new DockerfileParseError(ins.line, 'VOLUME specified can not be an empty string');
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of vols) c.Volumes[v] = {};
      return { config: c, text: `VOLUME ${JSON.stringify(vols)}` };
    }
    case 'stopsignal': {
      const sig = processWord(ins.args, env, s.escape);
      try {
        parseSignal(sig);
      } catch {
        throw new DockerfileParseError(ins.line, `Invalid signal: ${sig}`);
      }
      c.StopSignal = sig;
      return { config: c, text: `STOPSIGNAL ${sig}` };
    }
    case 'healthcheck': {
      const words = ins.args.trim().split(/\s+/);
      const kind = (words[0] ?? '').toUpperCase();
      if (kind === 'NONE') {
        if (words.length > 1) throw new DockerfileParseError(ins.line, 'HEALTHCHECK NONE takes no arguments');
        c.Healthcheck = { Test: ['NONE'] };
      } else if (kind === 'CMD') {
        const sub = { ...ins, args: ins.args.trim().slice(3).trim() };
        const j = sub.args.startsWith('[') ? tryJson(sub.args) : undefined;
        const test = j ? ['CMD', ...j] : ['CMD-SHELL', sub.args];
        const hc: Record<string, unknown> = { Test: test };
        const dur = (name: string, key: string) => {
          const v = flag(ins, name);
          if (v !== undefined) hc[key] = parseDuration(ins, name, v);
        };
        dur('interval', 'Interval');
        dur('timeout', 'Timeout');
        dur('start-period', 'StartPeriod');
        dur('start-interval', 'StartInterval');
        const retries = flag(ins, 'retries');
        if (retries !== undefined) {
          if (!/^\d+$/.test(retries)) throw new DockerfileParseError(ins.line, `invalid retries: ${retries}`);
          hc.Retries = Number(retries);
        }
        c.Healthcheck = hc;
      } else {
        throw new DockerfileParseError(ins.line, `Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
      }
      return { config: c, text: `HEALTHCHECK ${JSON.stringify(c.Healthcheck)}` };
    }
    case 'shell': {
      if (!ins.json) throw new DockerfileParseError(ins.line, 'SHELL requires the arguments to be in JSON form');
      c.Shell = ins.json;
      return { config: c, text: `SHELL ${JSON.stringify(ins.json)}` };
    }
    case 'onbuild': {
      const trig = ins.args.trim();
      const kw = (trig.split(/\s+/)[0] ?? '').toUpperCase();
      if (kw === 'ONBUILD') throw new DockerfileParseError(ins.line, 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (kw === 'FROM' || kw === 'MAINTAINER') throw new DockerfileParseError(ins.line, `${kw} isn't allowed as an ONBUILD trigger`);
      if (!kw) throw new DockerfileParseError(ins.line, 'ONBUILD requires at least one argument');
      const text = `${kw}${trig.slice(kw.length)}`;
      c.OnBuild = [...(c.OnBuild ?? []), text];
      return { config: c, text: `ONBUILD ${text}` };
    }
    case 'maintainer': {
      const who = processWord(ins.args, env, s.escape);
      return { config: c, text: `MAINTAINER ${who}`, author: who };
    }
    default:
      throw new DockerfileParseError(ins.line, `unknown instruction: ${ins.cmd.toUpperCase()}`);
  }
}

function tryJson(s: string): string[] | undefined {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

function normalize(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (!c || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return '/' + parts.join('/');
}

/** ARG name[=default]: declares it; the build's --build-arg value wins over the default. */
export function applyArg(ins: DfInstruction, s: StageScope, buildArgs: ReadonlyMap<string, string | null>, meta: ReadonlyMap<string, string | undefined>): string[] {
  return wrap(ins, () => {
    const env = scopeEnv(s);
    const declared: string[] = [];
    for (const w of rawWords(ins.args, s.escape)) {
      const i = w.indexOf('=');
      const name = i < 0 ? w : w.slice(0, i);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileParseError(ins.line, `invalid ARG name: ${name}`);
      let value: string | undefined = i < 0 ? meta.get(name) : processWord(w.slice(i + 1), env, s.escape);
      const given = buildArgs.get(name);
      if (given !== undefined && given !== null) value = given;
      s.args.set(name, value);
      declared.push(value === undefined ? name : `${name}=${value}`);
    }
    if (!declared.length) throw new DockerfileParseError(ins.line, 'ARG requires at least one argument');
    return declared;
  });
}
