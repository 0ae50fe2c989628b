// The one place commands reach the formatting engine (src/cli/format/): --format templates,
// docker's tables, human sizes and durations. Commands call only what is exported here.

import { compileTemplate, DOCKER_FUNCS, DOCKER_HEADER_FUNCS, TemplateError, type GoTemplate } from './format/go-template.js';
import { alignColumns } from './format/tabwriter.js';
import { ellipsis as formatEllipsis } from './format/display-width.js';
import { GO_MARSHAL_JSON } from './format/go-json.js';
import { GO_TYPE_NAME } from './format/go-values.js';
import { StatusError } from './command.js';

export { GO_MARSHAL_JSON, GO_TYPE_NAME };

export interface TableSpec {
  /** docker's default, e.g. "table {{.ID}}\t{{.Image}}". */
  table: string;
  /** Column titles by field: {{.ID}} → "CONTAINER ID". */
  headers: Record<string, string>;
}

export function ellipsis(s: string, width: number): string {
  return formatEllipsis(s, width);
}

function compile(text: string): GoTemplate {
  try {
    return compileTemplate(text, { funcs: DOCKER_FUNCS });
  } catch (err) {
    if (err instanceof TemplateError) throw new StatusError(1, `template parsing error: ${err.message}`);
    throw err;
  }
}

function execute(t: GoTemplate, data: unknown, header = false): string {
  try {
    return header ? t.execute(data, { funcs: DOCKER_HEADER_FUNCS }) : t.execute(data);
  } catch (err) {
    if (err instanceof TemplateError) throw new StatusError(1, `template: ${err.message.replace(/^template: /, '')}`);
    throw err;
  }
}

/** docker's Format handling: "table[ TEMPLATE]", "json", or a TEMPLATE; \t and \n spelled out become tabs and newlines. */
export function resolveFormat(format: string | undefined, spec: TableSpec): { table: boolean; template: string } {
  let f = format && format !== '' ? format : 'table';
  if (f === 'table') f = spec.table;
  if (f === 'json') f = '{{json .}}';
  const table = f.startsWith('table');
  if (table) f = f.slice('table'.length);
  f = f.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return { table, template: f };
}

/** Render rows as docker's list commands do (ps, images, volume ls, …). */
export function formatList(format: string | undefined, spec: TableSpec, rows: readonly unknown[]): string {
  const { table, template } = resolveFormat(format, spec);
  const t = compile(template);
  let body = '';
  for (const row of rows) body += execute(t, row) + '\n';
  if (!table) return body;
  const header = execute(t, spec.headers, true) + '\n';
  return alignColumns(header + body);
}

/** One template over each item, a line each (inspect --format, info --format, …). */
export function formatEach(template: string, items: readonly unknown[]): string {
  const t = compile(template.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
  return items.map((item) => execute(t, item) + '\n').join('');
}

/** Align tab-separated rows into docker's columns. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  return alignColumns(rows.map((r) => r.join('\t')).join('\n') + '\n');
}

// Go's %.Ng: N significant digits, trailing zeros dropped, exponent for large or tiny values.
function goG(n: number, precision: number): string {
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  let text = n.toPrecision(precision);
  if (exp < -4 || exp >= precision) {
    const [mant, e] = n.toExponential(precision - 1).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ev = Number(e);
    return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  let s = size;
  while (s >= base && i < units.length - 1) {
    s /= base;
    i++;
  }
  return [s, units[i] as string];
}

/** go-units HumanSizeWithPrecision: decimal units, "4.26MB". */
export function humanSize(bytes: number, precision = 3): string {
  const [s, unit] = scaled(bytes, 1000, DECIMAL);
  return `${goG(s, precision)}${unit}`;
}

/** go-units BytesSize: binary units, "1.5MiB" (%.4g). */
export function bytesSize(bytes: number): string {
  const [s, unit] = scaled(bytes, 1024, BINARY);
  return `${goG(s, 4)}${unit}`;
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", … */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3600000 / 24 / 365)} years`;
}

/** Indented JSON as docker's inspect prints it (4 spaces, no HTML escaping). */
export function indentJSON(value: unknown): string {
  return JSON.stringify(value, null, 4);
}
