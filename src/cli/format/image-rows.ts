// `docker images` and `docker history`: the rows their --format templates see
// (formatter.imageContext, image.historyContext), built from GET /images/json and
// GET /images/{name}/history items, with the commands' formats and column headers.

import { ellipsis } from './display-width.js';
import { familiarRepository, tryParseReference } from '../../protocol/reference.js';
import { FormatterRow, type RowOptions } from './formatter-row.js';
import { goRFC3339 } from '../../gotemplate/go-time.js';
import { createdAt, humanSize, humanSizeWithPrecision, timeAgo, truncateId } from './human.js';
import { isTableFormat, type HeaderMap } from './table.js';

/** An item of GET /images/json (the fields the formatter reads). */
export interface ApiImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: number;
  Size?: number;
  SharedSize?: number;
  Containers?: number;
}

/** An item of GET /images/{name}/history. */
export interface ApiHistoryItem {
  Id: string;
  Created?: number;
  CreatedBy?: string;
  Size?: number;
  Comment?: string;
}

const CREATED_SINCE_OR_NA = '{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}';
export const DEFAULT_IMAGE_TABLE_FORMAT = `table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t${CREATED_SINCE_OR_NA}\t{{.Size}}`;
export const DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST = `table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t${CREATED_SINCE_OR_NA}\t{{.Size}}`;

export const IMAGE_HEADERS: HeaderMap = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

/** Go's zero time.Time as a Unix timestamp: the daemon's "unknown creation date". */
const GO_ZERO_TIME = -62135596800;

/** formatter.NewImageFormat; an empty --format is "table" as `docker images` passes it. */
export function imageFormat(source: string, opts: { quiet?: boolean; digests?: boolean } = {}): string {
  switch (source) {
    case 'table':
    case '':
      if (opts.quiet) return '{{.ID}}';
      return opts.digests ? DEFAULT_IMAGE_TABLE_FORMAT_WITH_DIGEST : DEFAULT_IMAGE_TABLE_FORMAT;
    case 'raw': {
      if (opts.quiet) return 'image_id: {{.ID}}';
      const digest = opts.digests ? 'digest: {{.Digest}}\n' : '';
      return `repository: {{ .Repository }}\ntag: {{.Tag}}\n${digest}image_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n`;
    }
  }
  if (isTableFormat(source) && opts.digests && !source.includes('{{.Digest}}')) return source + '\t{{.Digest}}';
  return source;
}

export interface ImageRowOptions extends RowOptions {
  /** --digests */
  digests?: boolean;
  /** The format in use: one showing {{.Digest}} gets a row per digest. */
  format?: string;
}

/** One row per repository:tag (and per digest when shown); "<none>" for dangling images. */
export function imageRows(images: readonly ApiImageSummary[], opts: ImageRowOptions): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const img of images) {
    if (isDangling(img)) {
      rows.push(new ImageRow(img, '<none>', '<none>', '<none>', opts));
      continue;
    }
    const repoTags = groupByRepository(img.RepoTags, (ref) => ref.tag);
    const repoDigests = groupByRepository(img.RepoDigests, (ref) => ref.digest);
    const needDigest = opts.digests === true || (opts.format ?? '').includes('{{.Digest}}');
    for (const [repo, tags] of repoTags) {
      const digests = needDigest ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo); // digests of a tagged repository get no rows of their own
      for (const tag of tags) {
        if (digests.length === 0) rows.push(new ImageRow(img, repo, tag, '<none>', opts));
        for (const digest of digests) rows.push(new ImageRow(img, repo, tag, digest, opts));
      }
    }
    for (const [repo, digests] of repoDigests) {
      if (opts.digests) for (const digest of digests) rows.push(new ImageRow(img, repo, '<none>', digest, opts));
      else rows.push(new ImageRow(img, repo, '<none>', '', opts));
    }
  }
  return rows;
}

function isDangling(img: ApiImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

function groupByRepository(
  refs: readonly string[] | null | undefined,
  part: (ref: NonNullable<ReturnType<typeof tryParseReference>>) => string | undefined,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const text of refs ?? []) {
    const ref = tryParseReference(text);
    const value = ref ? part(ref) : undefined;
    if (!ref || value === undefined) continue;
    const repo = familiarRepository(ref);
    groups.set(repo, [...(groups.get(repo) ?? []), value]);
  }
  return groups;
}

/** Column methods are named like docker's template fields: {{.ID}} calls ID(). */
export class ImageRow extends FormatterRow {
  protected readonly goTypeName = '*formatter.imageContext';

  constructor(
    private readonly i: ApiImageSummary,
    private readonly repo: string,
    private readonly tag: string,
    private readonly digest: string,
    private readonly opts: RowOptions,
  ) {
    super();
  }

  ID(): string {
    return this.opts.trunc ? truncateId(this.i.Id) : this.i.Id;
  }

  Repository(): string {
    return this.repo;
  }

  Tag(): string {
    return this.tag;
  }

  Digest(): string {
    return this.digest;
  }

  CreatedSince(): string {
    const created = this.i.Created ?? 0;
    return created === GO_ZERO_TIME ? '' : timeAgo(created, this.opts.now);
  }

  CreatedAt(): string {
    return createdAt(this.i.Created ?? 0, this.opts.timeZone);
  }

  Size(): string {
    return humanSizeWithPrecision(this.i.Size ?? 0, 3);
  }

  Containers(): string {
    const n = this.i.Containers ?? 0;
    return n === -1 ? 'N/A' : String(n);
  }

  /** Deprecated in docker, equal to Size but with four digits. */
  VirtualSize(): string {
    return humanSize(this.i.Size ?? 0);
  }

  SharedSize(): string {
    const shared = this.i.SharedSize ?? 0;
    return shared === -1 ? 'N/A' : humanSize(shared);
  }

  UniqueSize(): string {
    const size = this.i.Size ?? 0;
    const shared = this.i.SharedSize ?? 0;
    return size === -1 || shared === -1 ? 'N/A' : humanSize(size - shared);
  }
}

export const DEFAULT_HISTORY_TABLE_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
export const NON_HUMAN_HISTORY_TABLE_FORMAT = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export const HISTORY_HEADERS: HeaderMap = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** The format `docker history` runs; an empty --format is "table". */
export function historyFormat(source: string, opts: { quiet?: boolean; human?: boolean } = {}): string {
  if (source !== 'table' && source !== '') return source;
  if (opts.quiet) return '{{.ID}}';
  return opts.human === false ? NON_HUMAN_HISTORY_TABLE_FORMAT : DEFAULT_HISTORY_TABLE_FORMAT;
}

export interface HistoryRowOptions extends RowOptions {
  /** --human (default true): sizes and dates for people, not programs. */
  human?: boolean;
}

export function historyRows(items: readonly ApiHistoryItem[], opts: HistoryRowOptions): HistoryRow[] {
  return items.map((h) => new HistoryRow(h, opts));
}

/** Before 2000-01-01 a layer's date is taken as unknown. */
const HISTORY_EPOCH = Date.UTC(2000, 0, 1) / 1000;

export class HistoryRow extends FormatterRow {
  protected readonly goTypeName = '*image.historyContext';

  constructor(
    private readonly h: ApiHistoryItem,
    private readonly opts: HistoryRowOptions,
  ) {
    super();
  }

  ID(): string {
    return this.opts.trunc ? truncateId(this.h.Id) : this.h.Id;
  }

  CreatedAt(): string {
    return goRFC3339(new Date((this.h.Created ?? 0) * 1000), this.opts.timeZone);
  }

  CreatedSince(): string {
    if (this.opts.human === false) return this.CreatedAt();
    const created = this.h.Created ?? 0;
    return created <= HISTORY_EPOCH ? 'N/A' : timeAgo(created, this.opts.now);
  }

  CreatedBy(): string {
    const createdBy = (this.h.CreatedBy ?? '').replaceAll('\t', ' ');
    return this.opts.trunc ? ellipsis(createdBy, 45) : createdBy;
  }

  Size(): string {
    const size = this.h.Size ?? 0;
    return this.opts.human === false ? String(size) : humanSizeWithPrecision(size, 3);
  }

  Comment(): string {
    return this.h.Comment ?? '';
  }
}
