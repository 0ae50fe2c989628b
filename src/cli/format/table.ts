// docker's list output (cli/command/formatter, Context.Write): one rendering of the --format
// template per row, and for "table ..." formats a header row and column alignment.
//
//   renderList({ format: 'table {{.ID}}\t{{.Names}}', rows, headers: CONTAINER_HEADERS })
//
// Formats: "table <template>" (aligned, with a header), "json" (one JSON object per row), or a
// plain template (one line per row). The literal two-character sequences \t and \n in a format
// become a tab and a newline, as typed on a shell command line. Resolving the empty or bare
// "table" format to a command's default is the job of that command's format function.

import { DOCKER_FUNCS, DOCKER_HEADER_FUNCS } from '../../gotemplate/docker-template-funcs.js';
import { compileTemplate, TemplateError, type GoTemplate } from '../../gotemplate/go-template.js';
import { alignColumns, DOCKER_TABLE } from './tabwriter.js';

/** Template field name → column header, e.g. { ID: 'CONTAINER ID' } (docker's SubHeaderContext). */
export type HeaderMap = Readonly<Record<string, string>>;

export interface ListOutput {
  format: string;
  rows: readonly unknown[];
  headers: HeaderMap;
}

/** Errors as docker prints them, e.g. "template parsing error: template: :1: unclosed action". */
export class FormatError extends Error {
  override name = 'FormatError';
}

export const TABLE_FORMAT_KEY = 'table';
export const JSON_FORMAT_KEY = 'json';

export function isTableFormat(format: string): boolean {
  return format.startsWith(TABLE_FORMAT_KEY);
}

/** The template docker actually runs for a --format value (Context.preFormat). */
export function templateText(format: string): string {
  let text = format;
  if (isTableFormat(format)) text = format.slice(TABLE_FORMAT_KEY.length);
  else if (format === JSON_FORMAT_KEY) text = '{{json .}}';
  return text
    .replace(/^ +| +$/g, '')
    .replace(/\\t|\\n/g, (seq) => (seq === '\\t' ? '\t' : '\n'));
}

/** Parses a --format value; throws FormatError as docker words it. */
export function compileFormat(format: string): GoTemplate {
  try {
    return compileTemplate(templateText(format), { funcs: DOCKER_FUNCS });
  } catch (e) {
    throw asFormatError(e);
  }
}

/** The whole output for a list of rows, ending in a newline per row (and one after the header). */
export function renderList({ format, rows, headers }: ListOutput): string {
  const template = compileFormat(format);
  let body = '';
  for (const row of rows) {
    try {
      body += template.execute(row) + '\n';
    } catch (e) {
      throw asFormatError(e);
    }
  }
  if (!isTableFormat(format)) return body;
  // docker ignores errors in the header row and prints whatever rendered before them.
  let header: string;
  try {
    header = template.execute(headerContext(headers), { funcs: DOCKER_HEADER_FUNCS });
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    header = e.output;
  }
  return alignColumns(`${header}\n${body}`, DOCKER_TABLE);
}

/**
 * The value the header row is rendered against: a map from field name to header, which also
 * answers {{.Label "com.example.key"}} with the key's last dotted part ("key").
 */
export function headerContext(headers: HeaderMap): Record<string, unknown> {
  return {
    ...headers,
    Label: (name: string): string =>
      (name.split('.').pop() ?? '').replace(/[-_]/g, ' '),
  };
}

function asFormatError(e: unknown): unknown {
  if (e instanceof TemplateError) return new FormatError(`template parsing error: ${e.message}`);
  return e;
}
