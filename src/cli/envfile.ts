// Environment and label inputs: -e, --env-file, -l, --label-file (docker's opts/env.go, opts/file.go).

import { readFileSync } from 'node:fs';

export interface EnvSource {
  lookup(name: string): string | undefined;
  readFile(path: string): string;
}

/** This process's environment and files; a file that cannot be read fails with docker's "open PATH: …". */
export const processEnvSource: EnvSource = {
  lookup: (name) => process.env[name],
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `open ${path}: no such file or directory` : `open ${path}: ${(err as Error).message}`);
    }
  },
};

/**
 * A KEY=VALUE file: blank lines and # comments skipped, values taken verbatim (no quote
 * processing). A line with only a name takes the value from `lookup`, or is dropped.
 */
export function parseKeyValueFile(path: string, text: string, lookup?: (name: string) => string | undefined): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, idx) => {
    const line = raw.replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).replace(/^[ \t]+/, '');
    if (/\s/.test(name)) throw new Error(`variable '${name}' contains whitespaces`);
    if (name === '') throw new Error(`no variable name on line '${line}' (${path}:${idx + 1})`);
    if (eq >= 0) {
      out.push(`${name}=${line.slice(eq + 1)}`);
    } else if (lookup) {
      const value = lookup(name.trim());
      if (value !== undefined) out.push(`${name.trim()}=${value}`);
    }
  });
  return out;
}

/** -e NAME=VALUE as is; -e NAME takes NAME's value here, or stays a bare NAME. */
export function expandEnvFlag(value: string, lookup: (name: string) => string | undefined): string {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  if (name === '') throw new Error(`invalid environment variable: ${value}`);
  if (eq >= 0) return value;
  const found = lookup(name);
  return found !== undefined ? `${name}=${found}` : value;
}

/** --env-file files first, then -e flags, as docker orders them. */
export function readEnv(files: readonly string[], flags: readonly string[], src: EnvSource): string[] {
  const out: string[] = [];
  for (const file of files) out.push(...parseKeyValueFile(file, src.readFile(file), src.lookup));
  for (const flag of flags) out.push(expandEnvFlag(flag, src.lookup));
  return out;
}

/** --label-file files then -l flags, into a map ("a" alone is an empty label). */
export function readLabels(files: readonly string[], flags: readonly string[], src: EnvSource): Record<string, string> {
  const all: string[] = [];
  for (const file of files) all.push(...parseKeyValueFile(file, src.readFile(file)));
  all.push(...flags);
  return kvMap(all);
}

export function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
