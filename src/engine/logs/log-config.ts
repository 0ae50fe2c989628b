// A container's logging driver and its options, as Docker's HostConfig.LogConfig names them.
// The daemon's defaults (berthd --log-driver/--log-opt) are merged in key by key when the
// container uses the default driver, as moby's mergeAndVerifyLogConfig does, so `inspect` shows
// the options in force. Sizes follow docker/go-units FromHumanSize (decimal: 10k = 10000 bytes).
import { InvalidArgumentError, errorMessage } from '../../errors.js';
import { compileTemplate, type GoTemplate } from '../../gotemplate/go-template.js';
import { queryEscape } from '../../gotemplate/template-builtins.js';
import { parseHumanSize as fromHumanSize } from '../../protocol/units.js';

export type LogDriver = 'json-file' | 'local' | 'none';

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** The options the log writer acts on. */
export interface LogPolicy {
  driver: LogDriver;
  /** Bytes per file before it is rotated; undefined: no limit. */
  maxSize?: number;
  /** Files kept, the current one included (1: the file is truncated when full). */
  maxFile: number;
  compress: boolean;
}

const DRIVERS: readonly LogDriver[] = ['json-file', 'local', 'none'];
/** json-file options docker knows. */
const JSON_FILE_OPTS = ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];
const LOCAL_OPTS = ['max-size', 'max-file', 'compress'];

/**
 * The default driver, with no options: `inspect` shows `{"Type":"json-file","Config":{}}` as
 * docker's does (docker-py's tests compare it). berth still rotates such a log: see
 * BUILTIN_ROTATION, applied by logPolicy.
 */
export const BERTH_DEFAULT_LOG_CONFIG: LogConfig = { Type: 'json-file', Config: {} };

/**
 * berth rotates a json-file log that names neither max-size nor max-file (docker's grows without
 * bound): 20 MB × 5 files. Options given by the container or berthd's --log-opt replace it.
 */
export const BUILTIN_ROTATION = { maxSize: 20_000_000, maxFile: 5 } as const;

/** The container's LogConfig with the daemon's defaults merged in (Type '' means the default). */
export function mergeLogConfig(requested: Partial<LogConfig> | undefined, defaults: LogConfig): LogConfig {
  const type = requested?.Type || defaults.Type;
  const config: Record<string, string> = { ...(requested?.Config ?? {}) };
  if (type === defaults.Type) {
    for (const [k, v] of Object.entries(defaults.Config)) if (!(k in config)) config[k] = v;
  }
  const merged = { Type: type, Config: config };
  logPolicy(merged);
  return merged;
}

/** Validates a LogConfig and reads the policy from it (throws InvalidArgumentError as docker's 400s). */
export function logPolicy(c: LogConfig): LogPolicy {
  if (!DRIVERS.includes(c.Type as LogDriver)) throw new InvalidArgumentError(`logger: no log driver named '${c.Type}' is registered`);
  const driver = c.Type as LogDriver;
  if (driver === 'none') return { driver, maxFile: 1, compress: false };
  const known = driver === 'local' ? LOCAL_OPTS : JSON_FILE_OPTS;
  for (const key of Object.keys(c.Config)) {
    if (!known.includes(key)) throw new InvalidArgumentError(`unknown log opt '${key}' for ${driver} log driver`);
  }
  const o = c.Config;
  if (o.tag) {
    try {
      tagTemplate(o.tag);
    } catch (e) {
      throw new InvalidArgumentError(`failed to initialize logging driver: ${errorMessage(e)}`);
    }
  }
  let maxSize: number | undefined = driver === 'local' ? 20 * 1024 * 1024 : undefined;
  if (o['max-size'] !== undefined) {
    maxSize = parseHumanSize(o['max-size']);
    if (!(maxSize > 0)) throw new InvalidArgumentError('max-size must be a positive number');
  }
  let maxFile = driver === 'local' ? 5 : 1;
  if (o['max-file'] !== undefined) {
    if (!/^-?\d+$/.test(o['max-file'])) throw new InvalidArgumentError(`strconv.Atoi: parsing "${o['max-file']}": invalid syntax`);
    maxFile = Number(o['max-file']);
    if (maxFile < 1) throw new InvalidArgumentError('max-file cannot be less than 1');
  }
  let compress = driver === 'local';
  if (o.compress !== undefined) {
    const b = parseBool(o.compress);
    if (b === undefined) throw new InvalidArgumentError(`strconv.ParseBool: parsing "${o.compress}": invalid syntax`);
    compress = b;
    if (compress && driver === 'json-file' && (maxFile === 1 || maxSize === undefined)) {
      throw new InvalidArgumentError('compress cannot be true when max-file is less than 2 or max-size is not set');
    }
  }
  for (const k of ['labels-regex', 'env-regex']) {
    if (o[k] === undefined) continue;
    try {
      new RegExp(o[k]!);
    } catch (e) {
      throw new InvalidArgumentError(`error parsing regexp in ${k}: ${(e as Error).message}`);
    }
  }
  if (driver === 'json-file' && o['max-size'] === undefined && o['max-file'] === undefined) {
    maxSize = BUILTIN_ROTATION.maxSize;
    maxFile = BUILTIN_ROTATION.maxFile;
  }
  // The local driver's rotation needs two files at least to compress into.
  if (maxFile < 2) compress = false;
  return { driver, maxSize, maxFile, compress };
}

/** What a `tag` template may name (moby's logger.Info methods). */
export interface LogTagInfo {
  ID: string;
  FullID: string;
  Name: string;
  ImageID: string;
  ImageFullID: string;
  ImageName: string;
  DaemonName: string;
}

/** Parsed tags by their text: logPolicy checks a tag at every call, and each log file's tail renders it. */
const tagTemplates = new Map<string, GoTemplate>();

function tagTemplate(text: string): GoTemplate {
  let t = tagTemplates.get(text);
  if (!t) {
    t = compileTemplate(text);
    if (tagTemplates.size >= 256) tagTemplates.clear();
    tagTemplates.set(text, t);
  }
  return t;
}

/** The `tag` option rendered (moby loggerutils.ParseLogTag); a template that does not parse or run throws. */
export function renderLogTag(template: string, info: LogTagInfo): string {
  return tagTemplate(template).execute(info);
}

/**
 * What each json-file line carries in "attrs" (moby's logger.Info.ExtraAttributes): the
 * container's labels and environment variables that its `labels`, `labels-regex`, `env` and
 * `env-regex` options name, and the `tag` option rendered, when given. `docker logs --details`
 * shows them before each line.
 */
export function logAttributes(c: LogConfig, labels: Readonly<Record<string, string>>, env: readonly string[], tagInfo?: LogTagInfo): Record<string, string> {
  const o = c.Config;
  const out: Record<string, string> = {};
  if (o.tag && tagInfo) {
    const tag = renderLogTag(o.tag, tagInfo);
    if (tag) out.tag = tag;
  }
  const vars = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf('=');
    if (i >= 0) vars.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const k of (o.labels ?? '').split(',')) if (k && Object.hasOwn(labels, k)) out[k] = labels[k]!;
  if (o['labels-regex']) {
    const re = new RegExp(o['labels-regex']);
    for (const [k, v] of Object.entries(labels)) if (re.test(k)) out[k] = v;
  }
  for (const k of (o.env ?? '').split(',')) if (k && vars.has(k)) out[k] = vars.get(k)!;
  if (o['env-regex']) {
    const re = new RegExp(o['env-regex']);
    for (const [k, v] of vars) if (re.test(k)) out[k] = v;
  }
  return out;
}

/** `docker logs --details`' prefix: the attributes as k=v, sorted, query-escaped, then a space (moby's attrsByteSlice). */
export function detailsPrefix(attrs: Readonly<Record<string, string>>): string {
  return `${Object.keys(attrs).sort().map((k) => `${queryEscape(k)}=${queryEscape(attrs[k]!)}`).join(',')} `;
}

/** docker/go-units FromHumanSize: "10k", "20m", "1.5g", "100" (always decimal, even "10KiB"); a 400 when malformed. */
export function parseHumanSize(text: string): number {
  try {
    return fromHumanSize(text);
  } catch (e) {
    throw new InvalidArgumentError(errorMessage(e));
  }
}

function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Parses berthd's `--log-opt k=v` list. */
export function parseLogOpts(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`invalid log opt '${o}': expected key=value`);
    out[o.slice(0, eq)] = o.slice(eq + 1);
  }
  return out;
}
