// The bridge driver's options (`docker network create -o KEY=VALUE`, compose's driver_opts), read
// as libnetwork's bridge driver reads them and checked at create: a value that does not parse is
// a 400 there, not a surprise at the first start. Options berth does not know are kept and
// ignored, as dockerd does.
import { InvalidArgumentError } from '../../errors.js';
import { isIPv4 } from './ipv4.js';

export const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';
export const ICC_OPT = 'com.docker.network.bridge.enable_icc';
export const MASQUERADE_OPT = 'com.docker.network.bridge.enable_ip_masquerade';
export const HOST_BINDING_OPT = 'com.docker.network.bridge.host_binding_ipv4';
export const MTU_OPT = 'com.docker.network.driver.mtu';

export interface BridgeSettings {
  /** Containers on the bridge may talk to each other (false: only through published ports). */
  icc: boolean;
  /** Traffic leaving the host from the bridge's subnet takes the host's address. */
  masquerade: boolean;
  /** The MTU of the bridge and of every endpoint's veth pair; the kernel's default when absent. */
  mtu?: number;
  /** The host address a port published without one binds to ('0.0.0.0' unless set). */
  hostBindingIpv4: string;
}

/** Go's strconv.ParseBool, which libnetwork uses for these options. */
function parseBool(value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new Error('want true or false');
}

/** An MTU as the option (and berthd's --mtu) gives it; "", "0": none given, as libnetwork reads it. */
export function parseMtu(value: string): number | undefined {
  if (value === '' || value === '0') return undefined;
  // 68: the least an IPv4 link may carry (RFC 791); 65535: the most a veth takes.
  if (!/^\d+$/.test(value) || Number(value) < 68 || Number(value) > 65535) throw new Error('want an MTU from 68 to 65535');
  return Number(value);
}

function parseHostBinding(value: string): string {
  if (!isIPv4(value)) throw new Error('want an IPv4 address');
  return value;
}

/**
 * The settings `options` give. An option that does not parse is an InvalidArgumentError naming
 * it, or with `lenient` takes its default (a network recorded before berth checked it still
 * comes up).
 */
export function bridgeSettings(options: Readonly<Record<string, string>> | null | undefined, lenient = false): BridgeSettings {
  const o = options ?? {};
  const read = <T>(key: string, parse: (v: string) => T, dflt: T): T => {
    const v = o[key];
    if (v === undefined) return dflt;
    try {
      return parse(v);
    } catch (e) {
      if (lenient) return dflt;
      throw new InvalidArgumentError(`invalid value "${v}" for option ${key}: ${(e as Error).message}`);
    }
  };
  const settings: BridgeSettings = {
    icc: read(ICC_OPT, parseBool, true),
    masquerade: read(MASQUERADE_OPT, parseBool, true),
    hostBindingIpv4: read(HOST_BINDING_OPT, (v) => parseHostBinding(v || '0.0.0.0'), '0.0.0.0'),
  };
  const mtu = read<number | undefined>(MTU_OPT, parseMtu, undefined);
  if (mtu !== undefined) settings.mtu = mtu;
  return settings;
}
