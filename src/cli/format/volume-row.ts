// `docker volume ls`: the row its --format templates see (formatter.volumeContext), built from
// an item of GET /volumes, with the command's formats and column headers.

import { FormatterRow } from './formatter-row.js';
import { humanSize } from './human.js';
import { naturalCompare } from './natural-order.js';
import type { HeaderMap } from './table.js';

/** An item of GET /volumes' "Volumes" (the fields the formatter reads). */
export interface ApiVolume {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  Scope?: string;
  Labels?: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
  ClusterVolume?: {
    Spec?: { Group?: string; Availability?: string };
    Info?: { VolumeID?: string } | null;
    PublishStatus?: unknown[] | null;
  } | null;
}

export const DEFAULT_VOLUME_TABLE_FORMAT = 'table {{.Driver}}\t{{.Name}}';

export const VOLUME_HEADERS: HeaderMap = {
  ID: 'ID',
  Name: 'VOLUME NAME',
  Group: 'GROUP',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Availability: 'AVAILABILITY',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Status: 'STATUS',
};

/** formatter.NewVolumeFormat; an empty --format is "table" as `docker volume ls` passes it. */
export function volumeFormat(source: string, opts: { quiet?: boolean } = {}): string {
  switch (source) {
    case 'table':
    case '':
      return opts.quiet ? '{{.Name}}' : DEFAULT_VOLUME_TABLE_FORMAT;
    case 'raw':
      return opts.quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
    default:
      return source;
  }
}

/** Rows in the order `docker volume ls` prints them: names in natural order. */
export function volumeRows(volumes: readonly ApiVolume[]): VolumeRow[] {
  return [...volumes].sort((a, b) => naturalCompare(a.Name, b.Name)).map((v) => new VolumeRow(v));
}

/** Column methods are named like docker's template fields: {{.Name}} calls Name(). */
export class VolumeRow extends FormatterRow {
  protected readonly goTypeName = '*formatter.volumeContext';

  constructor(private readonly v: ApiVolume) {
    super();
  }

  Name(): string {
    return this.v.Name;
  }

  Driver(): string {
    return this.v.Driver ?? '';
  }

  Scope(): string {
    return this.v.Scope ?? '';
  }

  Mountpoint(): string {
    return this.v.Mountpoint ?? '';
  }

  /** "k=v,k2=v2" in the order the API sent (docker's own order is random). */
  Labels(): string {
    return Object.entries(this.v.Labels ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join(',');
  }

  Label(name: string): string {
    return this.v.Labels?.[name] ?? '';
  }

  Links(): string {
    return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A';
  }

  Size(): string {
    return this.v.UsageData ? humanSize(this.v.UsageData.Size) : 'N/A';
  }

  Group(): string {
    return this.v.ClusterVolume ? (this.v.ClusterVolume.Spec?.Group ?? '') : 'N/A';
  }

  Availability(): string {
    return this.v.ClusterVolume ? (this.v.ClusterVolume.Spec?.Availability ?? '') : 'N/A';
  }

  Status(): string {
    const cluster = this.v.ClusterVolume;
    if (!cluster) return 'N/A';
    if (!cluster.Info?.VolumeID) return 'pending creation';
    const nodes = cluster.PublishStatus?.length ?? 0;
    if (nodes === 0) return 'created';
    return nodes === 1 ? 'in use (1 node)' : `in use (${nodes} nodes)`;
  }
}
