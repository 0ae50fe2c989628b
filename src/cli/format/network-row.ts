// `docker network ls`: the row its --format templates see (network.networkContext), built from
// an item of GET /networks, with the command's formats and column headers.

import { FormatterRow, type RowOptions } from './formatter-row.js';
import { formatGoTime, parseRFC3339 } from '../../gotemplate/go-time.js';
import { truncateId } from './human.js';
import { naturalCompare } from './natural-order.js';
import type { HeaderMap } from './table.js';

/** An item of GET /networks (the fields the formatter reads). */
export interface ApiNetwork {
  Id: string;
  Name: string;
  Driver?: string;
  Scope?: string;
  Created?: string; // RFC 3339 with nanoseconds
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
}

export const DEFAULT_NETWORK_TABLE_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export const NETWORK_HEADERS: HeaderMap = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

/** The format `docker network ls` runs; an empty --format is "table". */
export function networkFormat(source: string, opts: { quiet?: boolean } = {}): string {
  switch (source) {
    case 'table':
    case '':
      return opts.quiet ? '{{.ID}}' : DEFAULT_NETWORK_TABLE_FORMAT;
    case 'raw':
      return opts.quiet ? 'network_id: {{.ID}}' : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
    default:
      return source;
  }
}

/** Rows in the order `docker network ls` prints them: names in natural order. */
export function networkRows(networks: readonly ApiNetwork[], opts: RowOptions): NetworkRow[] {
  return [...networks].sort((a, b) => naturalCompare(a.Name, b.Name)).map((n) => new NetworkRow(n, opts));
}

/** Column methods are named like docker's template fields: {{.ID}} calls ID(). */
export class NetworkRow extends FormatterRow {
  protected readonly goTypeName = '*network.networkContext';

  constructor(
    private readonly n: ApiNetwork,
    private readonly opts: RowOptions,
  ) {
    super();
  }

  ID(): string {
    return this.opts.trunc ? truncateId(this.n.Id) : this.n.Id;
  }

  Name(): string {
    return this.n.Name;
  }

  Driver(): string {
    return this.n.Driver ?? '';
  }

  Scope(): string {
    return this.n.Scope ?? '';
  }

  IPv4(): string {
    return String(this.n.EnableIPv4 ?? false);
  }

  IPv6(): string {
    return String(this.n.EnableIPv6 ?? false);
  }

  Internal(): string {
    return String(this.n.Internal ?? false);
  }

  /** "k=v,k2=v2" in the order the API sent (docker's own order is random). */
  Labels(): string {
    return Object.entries(this.n.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  Label(name: string): string {
    return this.n.Labels?.[name] ?? '';
  }

  /** time.Time.String() of the API timestamp, in the zone it was sent in. */
  CreatedAt(): string {
    const t = parseRFC3339(this.n.Created ?? '0001-01-01T00:00:00Z');
    return t ? formatGoTime(t) : (this.n.Created ?? '');
  }
}
