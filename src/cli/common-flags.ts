// Flags that many commands share, spelled once.

import { parseFilterArgs } from '../client/filters.js';
import type { FlagSpec } from './flags.js';

export function filterFlag(usage = 'Filter output based on conditions provided', short: string | undefined = 'f'): FlagSpec {
  return {
    long: 'filter',
    short,
    kind: 'list',
    type: 'filter',
    usage,
    validate: (v) => void parseFilterArgs([v]),
  };
}

export const FORMAT_USAGE =
  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

export const INSPECT_FORMAT_USAGE =
  "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

export function formatFlag(usage = FORMAT_USAGE): FlagSpec {
  return { long: 'format', kind: 'string', usage };
}

export function forceFlag(usage = 'Do not prompt for confirmation'): FlagSpec {
  return { long: 'force', short: 'f', kind: 'bool', usage };
}
