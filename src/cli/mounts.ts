// Filesystem options of run/create: -v/--volume, --mount, --tmpfs.

import { isAbsolute, resolve } from 'node:path';
import type { MountSpec } from '../protocol/engine-api.js';
import { parseGoBool, readCSVRecord } from './flags.js';
import { parseRamBytes } from '../protocol/units.js';

export interface VolumeFlags {
  /** Host paths and named volumes: HostConfig.Binds. */
  binds: string[];
  /** Anonymous volumes: Config.Volumes. */
  anonymous: string[];
}

/**
 * -v SRC:DST[:OPTS] binds a host path (made absolute when it starts with ".") or a named volume;
 * -v DST alone asks for an anonymous volume.
 */
export function parseVolumeFlags(values: readonly string[], cwd: string = process.cwd()): VolumeFlags {
  const binds: string[] = [];
  const anonymous: string[] = [];
  for (const spec of values) {
    // cli/compose/loader ParseVolume: SOURCE:TARGET[:OPTIONS], or TARGET alone.
    if (spec === '') throw new Error('invalid empty volume spec');
    const parts = spec.split(':');
    if (parts.some((p) => p === '')) throw new Error(`invalid spec: ${spec}: empty section between colons`);
    if (parts.length > 3) throw new Error(`invalid spec: ${spec}: too many colons`);
    if (parts.length === 1) {
      anonymous.push(spec);
      continue;
    }
    let [source, ...rest] = parts as [string, ...string[]];
    if (!isAbsolute(source) && source.startsWith('.')) source = resolve(cwd, source);
    binds.push([source, ...rest].join(':'));
  }
  return { binds, anonymous };
}

function setKV(map: Record<string, string>, kv: string): void {
  const idx = kv.indexOf('=');
  if (idx < 0) map[kv] = '';
  else map[kv.slice(0, idx)] = kv.slice(idx + 1);
}

/** --mount type=bind,source=/a,target=/b,readonly (opts.MountOpt). */
export function parseMount(value: string, cwd: string = process.cwd()): MountSpec {
  const mount: MountSpec = { Type: 'volume', Target: '' };
  const bind = (): NonNullable<MountSpec['BindOptions']> => (mount.BindOptions ??= {});
  const vol = (): NonNullable<MountSpec['VolumeOptions']> => (mount.VolumeOptions ??= {});
  const tmpfs = (): NonNullable<MountSpec['TmpfsOptions']> => (mount.TmpfsOptions ??= {});
  const boolOf = (key: string, val: string): boolean => {
    const b = parseGoBool(val);
    if (b === undefined) throw new Error(`invalid value for ${key}: ${val}`);
    return b;
  };
  for (const field of readCSVRecord(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') mount.ReadOnly = true;
      else if (key === 'volume-nocopy') vol().NoCopy = true;
      else if (key === 'bind-nonrecursive') bind().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        mount.Type = val.toLowerCase() as MountSpec['Type'];
        break;
      case 'source':
      case 'src':
        mount.Source = val === '.' || val.startsWith('./') ? resolve(cwd, val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.Target = val;
        break;
      case 'readonly':
      case 'ro':
        mount.ReadOnly = boolOf(key, val);
        break;
      case 'consistency':
        mount.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bind().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bind().NonRecursive = boolOf(key, val);
        break;
      case 'bind-recursive':
        switch (val) {
          case 'enabled':
            break;
          case 'disabled':
            bind().NonRecursive = true;
            break;
          case 'writable':
            bind().ReadOnlyNonRecursive = true;
            break;
          case 'readonly':
            bind().ReadOnlyForceRecursive = true;
            break;
          default:
            throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        }
        break;
      case 'bind-create-src':
        bind().CreateMountpoint = boolOf(key, val);
        break;
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'volume-nocopy':
        vol().NoCopy = boolOf(key, val);
        break;
      case 'volume-label':
        setKV((vol().Labels ??= {}), val);
        break;
      case 'volume-driver':
        (vol().DriverConfig ??= {}).Name = val;
        break;
      case 'volume-opt':
        setKV(((vol().DriverConfig ??= {}).Options ??= {}), val);
        break;
      case 'tmpfs-size':
        try {
          tmpfs().SizeBytes = parseRamBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(val)) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = parseInt(val, 8);
        break;
      }
      case 'image-subpath':
        mount.ImageOptions = { Subpath: val };
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!mount.Type) throw new Error('type is required');
  if (!mount.Target) throw new Error('target is required');
  if (mount.VolumeOptions && mount.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${mount.Type}'`);
  if (mount.BindOptions && mount.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${mount.Type}'`);
  if (mount.TmpfsOptions && mount.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${mount.Type}'`);
  return mount;
}

/** --tmpfs /run:rw,size=64m → HostConfig.Tmpfs {"/run": "rw,size=64m"} */
export function parseTmpfs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const idx = v.indexOf(':');
    if (idx < 0) out[v] = '';
    else out[v.slice(0, idx)] = v.slice(idx + 1);
  }
  return out;
}
