// `docker system df`: one row per kind of thing (images, containers, local volumes, build cache),
// as the templates of its --format see them (formatter.diskUsage*Context): an unknown field is an
// error naming the row's Go type, and `--format json` has the five columns.
import { FormatterRow } from './formatter-row.js';

const GO_TYPES = {
  Images: '*formatter.diskUsageImagesContext',
  Containers: '*formatter.diskUsageContainersContext',
  'Local Volumes': '*formatter.diskUsageVolumesContext',
  'Build Cache': '*formatter.diskUsageBuilderContext',
} as const;

export interface DiskUsageSummary {
  type: keyof typeof GO_TYPES;
  totalCount: number;
  active: number;
  size: string;
  reclaimable: string;
}

export class DiskUsageRow extends FormatterRow {
  protected readonly goTypeName: string;

  constructor(private readonly s: DiskUsageSummary) {
    super();
    this.goTypeName = GO_TYPES[s.type];
  }

  Type(): string {
    return this.s.type;
  }

  TotalCount(): string {
    return String(this.s.totalCount);
  }

  Active(): string {
    return String(this.s.active);
  }

  Size(): string {
    return this.s.size;
  }

  Reclaimable(): string {
    return this.s.reclaimable;
  }
}
