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
function parseBool(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new InvalidArgumentError(`invalid value "${value}" for option ${key}: want true or false`);
}

/**
 * The settings `options` give; an option that does not parse is an InvalidArgumentError, or with
 * `lenient` its default (a network recorded before berth checked it still comes up).
 */
export function bridgeSettings(options: Readonly<Record<string, string>> | null | undefined, lenient = false): BridgeSettings {
  if (lenient) {
    const o = { ...(options ?? {}) };
    for (const key of [ICC_OPT, MASQUERADE_OPT, HOST_BINDING_OPT, MTU_OPT]) {
      try {
        bridgeSettings({ [key]: o[key]! });
      } catch {
        delete o[key];
      }
    }
    return bridgeSettings(o);
  }
  const o = options ?? {};
  const settings: BridgeSettings = {
    icc: o[ICC_OPT] === undefined ? true : parseBool(ICC_OPT, o[ICC_OPT]),
    masquerade: o[MASQUERADE_OPT] === undefined ? true : parseBool(MASQUERADE_OPT, o[MASQUERADE_OPT]),
    hostBindingIpv4: o[HOST_BINDING_OPT] || '0.0.0.0',
  };
  if (!isIPv4(settings.hostBindingIpv4)) throw new InvalidArgumentError(`invalid value "${o[HOST_BINDING_OPT]}" for option ${HOST_BINDING_OPT}: want an IPv4 address`);
  const mtu = o[MTU_OPT];
  if (mtu !== undefined && mtu !== '' && mtu !== '0') {
    // 68: the least an IPv4 link may carry (RFC 791); 65535: the most a veth takes.
    if (!/^\d+$/.test(mtu) || Number(mtu) < 68 || Number(mtu) > 65535) throw new InvalidArgumentError(`invalid value "${mtu}" for option ${MTU_OPT}: want an MTU from 68 to 65535`);
    settings.mtu = Number(mtu);
  }
  return settings;
}
