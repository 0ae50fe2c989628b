// `docker ps`: the row its --format templates see (formatter.ContainerContext), built from an
// item of GET /containers/json, and the command's formats and column headers.

import { displayablePorts, type ApiPort } from './container-ports.js';
import { ellipsis } from './display-width.js';
import { familiarName, familiarRepository, tryParseReference } from '../../protocol/reference.js';
import { FormatterRow, type RowOptions } from './formatter-row.js';
import { GO_MARSHAL_JSON, marshalGoJSON } from '../../gotemplate/go-json.js';
import { goQuote } from '../../gotemplate/go-print.js';
import { createdAt, humanSizeWithPrecision, timeAgo, truncateId } from './human.js';
import { compileTemplate, DOCKER_FUNCS, TemplateError, type GoTemplate } from '../../gotemplate/go-template.js';
import { FormatError, type HeaderMap } from './table.js';

/** OCI image-spec, image-index.md: the platform object of a descriptor. */
export interface ApiPlatform {
  architecture?: string;
  os?: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export interface ApiMountPoint {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
}

/** An item of GET /containers/json (the fields the formatter reads). */
export interface ApiContainerSummary {
  Id: string;
  Names?: string[] | null;
  Image?: string;
  ImageID?: string;
  ImageManifestDescriptor?: { platform?: ApiPlatform | null } | null;
  Command?: string;
  Created?: number;
  Ports?: ApiPort[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
  Mounts?: ApiMountPoint[] | null;
}

export const DEFAULT_CONTAINER_TABLE_FORMAT =
  'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

const RAW_CONTAINER_FORMAT = `container_id: {{.ID}}
image: {{.Image}}
command: {{.Command}}
created_at: {{.CreatedAt}}
state: {{- pad .State 1 0}}
status: {{- pad .Status 1 0}}
names: {{.Names}}
labels: {{- pad .Labels 1 0}}
ports: {{- pad .Ports 1 0}}
`;

export const CONTAINER_HEADERS: HeaderMap = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
};

/** formatter.NewContainerFormat: the format `docker ps` runs for --format/--quiet/--size. */
export function containerFormat(source: string, opts: { quiet?: boolean; size?: boolean } = {}): string {
  switch (source) {
    case 'table':
    case '':
      if (opts.quiet) return '{{.ID}}';
      return DEFAULT_CONTAINER_TABLE_FORMAT + (opts.size ? '\t{{.Size}}' : '');
    case 'raw':
      if (opts.quiet) return 'container_id: {{.ID}}';
      return RAW_CONTAINER_FORMAT + (opts.size ? 'size: {{.Size}}\n' : '');
    default:
      return opts.quiet ? '{{.ID}}' : source;
  }
}

/**
 * What `docker ps` checks before listing: the --format template must parse and run on an empty
 * row; and whether it shows {{.Size}}, in which case docker asks the daemon for sizes.
 */
export function checkContainerFormat(format: string): { usesSize: boolean } {
  let usesSize = false;
  const row = new ContainerRow({ Id: '' }, { trunc: false }, () => (usesSize = true));
  // docker checks the --format text as given, "table" prefix and all.
  let template: GoTemplate;
  try {
    template = compileTemplate(format, { funcs: DOCKER_FUNCS });
  } catch (e) {
    throw e instanceof TemplateError ? new FormatError(`failed to parse template: ${e.message}`) : e;
  }
  try {
    template.execute(row);
  } catch (e) {
    throw e instanceof TemplateError ? new FormatError(`failed to execute template: ${e.message}`) : e;
  }
  return { usesSize };
}

export function containerRows(containers: readonly ApiContainerSummary[], opts: RowOptions): ContainerRow[] {
  return containers.map((c) => new ContainerRow(c, opts));
}

/** Column methods are named like docker's template fields: {{.ID}} calls ID(). */

// A list shows the same few images and commands on many rows: each is parsed or quoted once
// (parsing "busybox" as a reference 500 times was a fifth of `ps` with 500 containers).
const familiarImages = new Map<string, string>();
const quotedCommands = new Map<string, string>();

function remembered(memo: Map<string, string>, key: string, make: (k: string) => string): string {
  let v = memo.get(key);
  if (v === undefined) {
    if (memo.size >= 1024) memo.clear();
    memo.set(key, (v = make(key)));
  }
  return v;
}

/** An image reference as docker's truncated lists show it: its familiar name, without digest. */
function familiarImage(image: string): string {
  return remembered(familiarImages, image, (text) => {
    const ref = tryParseReference(text);
    if (!ref) return text;
    return ref.tag !== undefined ? familiarName({ ...ref, digest: undefined }) : familiarRepository(ref);
  });
}

export class ContainerRow extends FormatterRow {
  protected readonly goTypeName = '*formatter.ContainerContext';

  constructor(
    private readonly c: ApiContainerSummary,
    private readonly opts: RowOptions,
    private readonly onSizeUsed?: () => void,
  ) {
    super();
  }

  ID(): string {
    return this.opts.trunc ? truncateId(this.c.Id) : this.c.Id;
  }

  /** Names without their "/" prefix; truncated output drops legacy link names ("other/alias"). */
  Names(): string {
    let names = (this.c.Names ?? []).map((n) => n.slice(1));
    if (this.opts.trunc) {
      const own = names.find((n) => !n.includes('/'));
      if (own !== undefined) names = [own];
    }
    return names.join(',');
  }

  /** The image as given, or when truncating: the short ID, or the familiar name without digest. */
  Image(): string {
    const image = this.c.Image ?? '';
    if (image === '') return '<no image>';
    if (this.opts.trunc) {
      const short = truncateId(this.c.ImageID ?? '');
      if (short === truncateId(image)) return short;
      return familiarImage(image);
    }
    return image;
  }

  Command(): string {
    const command = this.c.Command ?? '';
    const shown = this.opts.trunc ? ellipsis(command, 20) : command;
    return remembered(quotedCommands, shown, goQuote);
  }

  CreatedAt(): string {
    return createdAt(this.c.Created ?? 0, this.opts.timeZone);
  }

  RunningFor(): string {
    return timeAgo(this.c.Created ?? 0, this.opts.now);
  }

  Platform(): PlatformValue | null {
    const p = this.c.ImageManifestDescriptor?.platform;
    return p ? new PlatformValue(p) : null;
  }

  Ports(): string {
    return displayablePorts(this.c.Ports ?? []);
  }

  State(): string {
    return this.c.State ?? '';
  }

  Status(): string {
    return this.c.Status ?? '';
  }

  /** "2B (virtual 21.5MB)": the writable layer, and the whole filesystem when known. */
  Size(): string {
    this.onSizeUsed?.();
    const rw = humanSizeWithPrecision(this.c.SizeRw ?? 0, 3);
    const rootFs = this.c.SizeRootFs ?? 0;
    return rootFs > 0 ? `${rw} (virtual ${humanSizeWithPrecision(rootFs, 3)})` : rw;
  }

  Labels(): string {
    return Object.entries(this.c.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  }

  Label(name: string): string {
    return this.c.Labels?.[name] ?? '';
  }

  /** Volume names (or bind sources), each cut to 15 columns when truncating. */
  Mounts(): string {
    return (this.c.Mounts ?? [])
      .map((m) => (m.Name ? m.Name : (m.Source ?? '')))
      .map((name) => (this.opts.trunc ? ellipsis(name, 15) : name))
      .join(',');
  }

  LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }

  Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {}).join(',');
  }
}

/** An image platform: printed as "linux/arm64/v8" (containerd platforms.FormatAll), marshalled as OCI JSON. */
export class PlatformValue {
  constructor(private readonly p: ApiPlatform) {}

  toString(): string {
    if (!this.p.os) return 'unknown';
    const os = this.p.os + (this.p['os.version'] ? `(${this.p['os.version']})` : '');
    return [os, this.p.architecture, this.p.variant].filter((part) => part).join('/');
  }

  [GO_MARSHAL_JSON](): string {
    // ocispec.Platform's field order; all but architecture and os are omitempty.
    const { architecture = '', os = '', variant } = this.p;
    const json: Record<string, unknown> = { architecture, os };
    if (this.p['os.version']) json['os.version'] = this.p['os.version'];
    if (this.p['os.features']?.length) json['os.features'] = this.p['os.features'];
    if (variant) json['variant'] = variant;
    return marshalGoJSON(json, { escapeHTML: true });
  }
}
