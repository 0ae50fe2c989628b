// The one place commands reach the formatting engine (cli/format/ and gotemplate/): --format
// templates, docker's tables, human sizes and durations, and the row shapes of the list commands.
// Commands import formatting only from here.

import { compileTemplate, DOCKER_FUNCS, TemplateError } from '../gotemplate/go-template.js';
import { alignColumns, type TabwriterOptions } from './format/tabwriter.js';
import { FormatError, renderList as renderRows, type HeaderMap } from './format/table.js';
import { StatusError } from './command.js';

export { ellipsis } from './format/display-width.js';
export { bytesSize, humanDuration, humanSize, humanSizeWithPrecision, timeAgo, truncateId } from './format/human.js';
export { containerFormat, checkContainerFormat, containerRows, CONTAINER_HEADERS } from './format/container-row.js';
export { imageFormat, imageRows, IMAGE_HEADERS, historyFormat, historyRows, HISTORY_HEADERS } from './format/image-rows.js';
export { volumeFormat, volumeRows, VOLUME_HEADERS } from './format/volume-row.js';
export { networkFormat, networkRows, NETWORK_HEADERS } from './format/network-row.js';
export { naturalCompare } from './format/natural-order.js';
export { blankStatsEntry, statsEntry, statsFormat, statsHeaders, StatsRow, type StatsEntry } from './format/stats-row.js';
export type { HeaderMap };
export { GO_MARSHAL_JSON } from '../gotemplate/go-json.js';
export { GO_TYPE_NAME } from '../gotemplate/go-values.js';

function formatFailure(err: unknown): unknown {
  if (err instanceof FormatError) return new StatusError(1, err.message);
  if (err instanceof TemplateError) return new StatusError(1, `template parsing error: ${err.message}`);
  return err;
}

/** Render rows as docker's list commands do (ps, images, volume ls, …): the format must already be resolved. */
export function renderList(format: string, rows: readonly unknown[], headers: HeaderMap): string {
  try {
    return renderRows({ format, rows, headers });
  } catch (err) {
    throw formatFailure(err);
  }
}

/** A plain table command (system df): "" and "table" mean the default, "json" a JSON row each. */
export function formatList(format: string | undefined, defaultTable: string, headers: HeaderMap, rows: readonly unknown[]): string {
  const f = !format || format === 'table' ? defaultTable : format;
  return renderList(f, rows, headers);
}

/** One template over each item, a line each (inspect --format, version --format, events --format). */
export function formatEach(template: string, items: readonly unknown[]): string {
  const text = template === 'json' ? '{{json .}}' : template;
  let t;
  try {
    t = compileTemplate(text.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), { funcs: DOCKER_FUNCS });
  } catch (err) {
    throw formatFailure(err);
  }
  try {
    return items.map((item) => t.execute(item) + '\n').join('');
  } catch (err) {
    if (err instanceof TemplateError) throw new StatusError(1, `template: ${err.message.replace(/^template: /, '')}`);
    throw err;
  }
}

/** Align tab-separated text into columns (docker's tabwriter); default minwidth 10, padding 3. */
export function alignTable(text: string, opts: Partial<TabwriterOptions> = {}): string {
  return alignColumns(text, { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ', ...opts });
}

/** Indented JSON as docker's inspect prints it (4 spaces). */
export function indentJSON(value: unknown): string {
  return JSON.stringify(value, null, 4);
}
