// The common shape of the rows docker's list commands hand to --format templates: each column is
// a method named like the template field ({{.ID}} calls ID()), and `--format json` marshals every
// column method that takes no argument into one object, keys sorted (formatter.MarshalJSON).

import { GO_MARSHAL_JSON, marshalGoJSON } from '../../gotemplate/go-json.js';
import { GO_TYPE_NAME, isExported } from '../../gotemplate/go-values.js';

/** What every row needs besides its API object. */
export interface RowOptions {
  /** docker's default; --no-trunc turns it off. */
  trunc: boolean;
  /** The clock for "… ago" columns. */
  now?: Date;
  /** IANA zone for CreatedAt columns; the local zone when absent. */
  timeZone?: string;
}

export abstract class FormatterRow {
  /** The Go type docker renders, named in errors such as "can't evaluate field X in type T". */
  protected abstract readonly goTypeName: string;

  get [GO_TYPE_NAME](): string {
    return this.goTypeName;
  }

  /** json.Marshal of {column: value} for every argument-less column method; escapes <, >, &. */
  [GO_MARSHAL_JSON](): string {
    const columns = new Map<string, unknown>();
    for (const name of columnMethods(this)) {
      const method = (this as unknown as Record<string, () => unknown>)[name];
      if (method) columns.set(name, method.call(this));
    }
    return marshalGoJSON(columns, { escapeHTML: true });
  }
}

function columnMethods(row: FormatterRow): string[] {
  const names = new Set<string>();
  for (let proto: object | null = Object.getPrototypeOf(row); proto && proto !== FormatterRow.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (isExported(name) && typeof fn === 'function' && fn.length === 0) names.add(name);
    }
  }
  return [...names];
}
