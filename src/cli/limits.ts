// Resource and device options of run/create: --ulimit, --device, --device-*-bps/iops,
// --blkio-weight-device, --restart.

import type { DeviceMapping, DeviceRequest, RestartPolicy, Ulimit } from '../protocol/engine-api.js';
import { parseRamBytes } from '../protocol/units.js';
import { readCSVRecord } from './flags.js';

const ULIMIT_NAMES = new Set([
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
]);

/** --ulimit nofile=1024[:2048] (go-units ParseUlimit). */
export function parseUlimit(value: string): Ulimit {
  const eq = value.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = value.slice(eq + 1).split(':');
  if (limits.length > 2) throw new Error(`too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  // Go's strconv.ParseInt(s, 10, 64), with its words.
  const toInt = (s: string): number => {
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
    const n = BigInt(s);
    if (n > 9223372036854775807n || n < -9223372036854775808n) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
    return Number(n);
  };
  const soft = toInt(limits[0] ?? '');
  const hard = limits.length === 2 ? toInt(limits[1] ?? '') : soft;
  if (soft > hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const seen = new Set<string>();
  for (const c of mode) {
    if (!'rwm'.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

/** --device /dev/sda[:/dev/xvda[:rwm]] */
export function parseDevice(value: string): DeviceMapping {
  const arr = value.split(':');
  let src = '';
  let dst = '';
  let perms = 'rwm';
  switch (arr.length) {
    case 3:
      perms = arr[2] as string;
      if (!validDeviceMode(perms)) throw new Error(`invalid device mode: ${perms}`);
      dst = arr[1] as string;
      src = arr[0] as string;
      break;
    case 2:
      if (validDeviceMode(arr[1] as string)) perms = arr[1] as string;
      else dst = arr[1] as string;
      src = arr[0] as string;
      break;
    case 1:
      src = arr[0] as string;
      break;
    default:
      throw new Error(`invalid device specification: ${value}`);
  }
  if (dst === '') dst = src;
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

/** --device-read-bps /dev/sda:1mb */
export function parseThrottleBps(value: string): { Path: string; Rate: number } {
  const idx = value.lastIndexOf(':');
  if (idx < 0 || !value.startsWith('/dev/')) throw new Error(`bad format: ${value}`);
  let rate: number;
  try {
    rate = parseRamBytes(value.slice(idx + 1));
  } catch {
    throw new Error(`invalid rate for device: ${value}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  }
  return { Path: value.slice(0, idx), Rate: rate };
}

/** --device-read-iops /dev/sda:1000 */
export function parseThrottleIops(value: string): { Path: string; Rate: number } {
  const idx = value.lastIndexOf(':');
  if (idx < 0 || !value.startsWith('/dev/')) throw new Error(`bad format: ${value}`);
  const rate = value.slice(idx + 1);
  if (!/^\d+$/.test(rate)) throw new Error(`invalid rate for device: ${value}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  return { Path: value.slice(0, idx), Rate: Number(rate) };
}

/** --blkio-weight-device /dev/sda:200 */
export function parseWeightDevice(value: string): { Path: string; Weight: number } {
  const idx = value.lastIndexOf(':');
  if (idx < 0 || !value.startsWith('/dev/')) throw new Error(`bad format: ${value}`);
  const weight = Number(value.slice(idx + 1));
  if (!Number.isInteger(weight) || (weight !== 0 && (weight < 10 || weight > 1000))) throw new Error(`invalid weight for device: ${value}`);
  return { Path: value.slice(0, idx), Weight: weight };
}

/** --restart no | always | unless-stopped | on-failure[:N] */
export function parseRestartPolicy(value: string): RestartPolicy {
  // The docker CLI's opts.ParseRestartPolicy: the form only; the daemon judges the name and count.
  if (value === '') return { Name: '', MaximumRetryCount: 0 };
  const idx = value.indexOf(':');
  const name = idx < 0 ? value : value.slice(0, idx);
  const count = idx < 0 ? '' : value.slice(idx + 1);
  if (idx >= 0 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  return { Name: name as RestartPolicy['Name'], MaximumRetryCount: max };
}

/** --gpus all | N | "device=0,1",capabilities=…,driver=…,options=… (the docker CLI's opts.GpuOpts). */
export function parseGpuRequest(value: string): DeviceRequest {
  const count = (s: string): number => {
    if (s === 'all') return -1;
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`invalid count (${s}): value must be either "all" or an integer: invalid syntax`);
    return Number(s);
  };
  const req: DeviceRequest = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: null, Options: {} };
  const seen = new Set<string>();
  for (const field of readCSVRecord(value)) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add('count');
      req.Count = count(key);
      continue;
    }
    switch (key) {
      case 'driver':
        req.Driver = val;
        break;
      case 'count':
        req.Count = count(val);
        break;
      case 'device':
        req.DeviceIDs = val.split(',');
        break;
      case 'capabilities':
        req.Capabilities = [[...val.split(','), 'gpu']];
        break;
      case 'options':
        for (const kv of readCSVRecord(val)) {
          const i = kv.indexOf('=');
          req.Options[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
        }
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!seen.has('count') && req.DeviceIDs === null) req.Count = 1;
  req.Capabilities ??= [['gpu']];
  return req;
}
