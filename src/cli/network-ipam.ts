// `network create`'s --subnet, --ip-range, --gateway and --aux-address grouped into IPAM
// configs, one per subnet, with docker's checks and messages (createIPAMConfig in
// cli/command/network/create.go).

import type { IPAM, IPAMConfig } from '../protocol/engine-api.js';
import { cidrContains, parseCIDR, parseIP } from './net-address.js';

export interface IPAMOptions {
  driver: string;
  subnets: string[];
  ipRanges: string[];
  gateways: string[];
  auxAddresses: Record<string, string>;
  driverOpts: Record<string, string>;
}

/** subnetMatches: does `subnet` hold `data` (an address, or a CIDR's address)? */
function subnetMatches(subnet: string, data: string): boolean {
  let net;
  try {
    net = parseCIDR(subnet);
  } catch (err) {
    throw new Error(`invalid subnet: ${(err as Error).message}`);
  }
  const ip = data.includes('/') ? parseCIDR(data).ip : parseIP(data);
  return cidrContains(net, ip);
}

export function ipamConfig(o: IPAMOptions): IPAM {
  if (o.subnets.length < o.ipRanges.length || o.subnets.length < o.gateways.length) {
    throw new Error('every ip-range or gateway must have a corresponding subnet');
  }
  // Keyed by subnet, in the order given (docker's own order is a Go map's, i.e. random).
  const configs = new Map<string, IPAMConfig>();
  for (const s of o.subnets) {
    for (const k of configs.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new Error('multiple overlapping subnet configuration is not supported');
    }
    configs.set(s, { Subnet: s });
  }
  for (const r of o.ipRanges) {
    let match = false;
    for (const s of o.subnets) {
      parseCIDR(r);
      if (!subnetMatches(s, r)) continue;
      const c = configs.get(s) as IPAMConfig;
      if (c.IPRange) throw new Error(`cannot configure multiple ranges (${r}, ${c.IPRange}) on the same subnet (${s})`);
      c.IPRange = r;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for range ${r}`);
  }
  for (const g of o.gateways) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, g)) continue;
      const c = configs.get(s) as IPAMConfig;
      if (c.Gateway) throw new Error(`cannot configure multiple gateways (${g}, ${c.Gateway}) for the same subnet (${s})`);
      c.Gateway = g;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for gateway ${g}`);
  }
  for (const [key, aa] of Object.entries(o.auxAddresses)) {
    let match = false;
    for (const s of o.subnets) {
      if (!subnetMatches(s, aa)) continue;
      const c = configs.get(s) as IPAMConfig;
      (c.AuxiliaryAddresses ??= {})[key] = aa;
      match = true;
    }
    if (!match) throw new Error(`no matching subnet for aux-address ${aa}`);
  }
  return { Driver: o.driver, Options: o.driverOpts, Config: [...configs.values()] };
}
