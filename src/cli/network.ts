// network create, ls, inspect, rm, prune, connect, disconnect: docker's flags, requests
// (cli/command/network/*.go), output and exit codes.

import { isApiError } from '../client/errors.js';
import { NetworksApi } from '../client/networks.js';
import type { NetworkCreateBody } from '../protocol/engine-api.js';
import type { EndpointSettings } from '../protocol/engine-api.js';
import { StatusError, type CommandDef } from './command.js';
import { filterFlag, forceFlag, formatFlag, INSPECT_FORMAT_USAGE } from './common-flags.js';
import { kvMap } from './envfile.js';
import { readCSVRecord, type FlagSpec } from './flags.js';
import { inspectAll } from './inspect.js';
import { ipamConfig } from './network-ipam.js';
import { parseDriverOpts, validateLink } from './network-options.js';
import { networkFormat, networkRows, NETWORK_HEADERS, renderList } from './output.js';
import { confirm } from './prompt.js';

/** Byte order, as Go sorts strings (and map keys in JSON). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** key=value flags as Go sends a map: keys sorted. */
function goMap(values: readonly string[]): Record<string, string> {
  const m = kvMap(values);
  return Object.fromEntries(Object.keys(m).sort(cmp).map((k) => [k, m[k] as string]));
}

/** opts.ValidateLabel */
function validateLabel(value: string): void {
  const eq = value.indexOf('=');
  const key = (eq < 0 ? value : value.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') throw new Error(`invalid label '${value}': empty name`);
  if (/[ \t]/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
}

/** A pflag StringSlice ("strings" in help): comma-separated values, repeatable. */
const strings = (long: string, usage: string): FlagSpec => ({ long, kind: 'list', type: 'strings', usage, validate: (v) => void readCSVRecord(v) });
const map = (long: string, usage: string, short?: string): FlagSpec => ({ long, short, kind: 'list', type: 'map', usage, defaultText: 'map[]' });

export const networkCreate: CommandDef = {
  use: '[OPTIONS] NETWORK',
  short: 'Create a network',
  flags: [
    { long: 'attachable', kind: 'bool', usage: 'Enable manual container attachment' },
    map('aux-address', 'Auxiliary IPv4 or IPv6 addresses used by Network driver'),
    { long: 'config-from', kind: 'string', usage: 'The network from which to copy the configuration' },
    { long: 'config-only', kind: 'bool', usage: 'Create a configuration only network' },
    { long: 'driver', short: 'd', kind: 'string', usage: 'Driver to manage the Network', defaultText: '"bridge"' },
    strings('gateway', 'IPv4 or IPv6 Gateway for the master subnet'),
    { long: 'ingress', kind: 'bool', usage: 'Create swarm routing-mesh network' },
    { long: 'internal', kind: 'bool', usage: 'Restrict external access to the network' },
    strings('ip-range', 'Allocate container ip from a sub-range'),
    { long: 'ipam-driver', kind: 'string', usage: 'IP Address Management Driver', defaultText: '"default"' },
    map('ipam-opt', 'Set IPAM driver specific options'),
    { long: 'ipv4', kind: 'bool', usage: 'Enable or disable IPv4 address assignment', defaultBool: true, defaultText: 'true' },
    { long: 'ipv6', kind: 'bool', usage: 'Enable or disable IPv6 address assignment' },
    { long: 'label', kind: 'list', usage: 'Set metadata on a network', validate: validateLabel },
    map('opt', 'Set driver specific options', 'o'),
    { long: 'scope', kind: 'string', usage: "Control the network's scope" },
    strings('subnet', 'Subnet in CIDR format that represents a network segment'),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags, args) {
    let ipam;
    try {
      ipam = ipamConfig({
        driver: flags.string('ipam-driver') ?? 'default',
        subnets: flags.strings('subnet'),
        ipRanges: flags.strings('ip-range'),
        gateways: flags.strings('gateway'),
        auxAddresses: kvMap(flags.list('aux-address')),
        driverOpts: goMap(flags.list('ipam-opt')),
      });
    } catch (err) {
      throw new StatusError(1, (err as Error).message);
    }
    const configFrom = flags.string('config-from') ?? '';
    const body: NetworkCreateBody = {
      Driver: flags.string('driver') ?? 'bridge',
      Scope: flags.string('scope') ?? '',
      ...(flags.changed('ipv4') ? { EnableIPv4: flags.bool('ipv4') } : {}),
      ...(flags.changed('ipv6') ? { EnableIPv6: flags.bool('ipv6') } : {}),
      IPAM: ipam,
      Internal: flags.bool('internal'),
      Attachable: flags.bool('attachable'),
      Ingress: flags.bool('ingress'),
      ConfigOnly: flags.bool('config-only'),
      ConfigFrom: configFrom ? { Network: configFrom } : null,
      Options: goMap(flags.list('opt')),
      Labels: goMap(flags.list('label')),
      Name: args[0] as string,
    };
    const res = await ctx.api(NetworksApi).create(body);
    ctx.stdout.write(`${res.Id}\n`);
    return 0;
  },
};

export const networkLs: CommandDef = {
  use: '[OPTIONS]',
  short: 'List networks',
  flags: [
    filterFlag('Provide filter values (e.g. "driver=bridge")'),
    formatFlag(),
    { long: 'no-trunc', kind: 'bool', usage: 'Do not truncate the output' },
    { long: 'quiet', short: 'q', kind: 'bool', usage: 'Only display network IDs' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const list = await ctx.api(NetworksApi).list({ filters: flags.list('filter') });
    const format = networkFormat(flags.string('format') ?? '', { quiet: flags.bool('quiet') });
    ctx.stdout.write(renderList(format, networkRows(list ?? [], { trunc: !flags.bool('no-trunc') }), NETWORK_HEADERS));
    return 0;
  },
};

export const networkInspect: CommandDef = {
  use: '[OPTIONS] NETWORK [NETWORK...]',
  short: 'Display detailed information on one or more networks',
  flags: [
    { long: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_USAGE },
    { long: 'verbose', short: 'v', kind: 'bool', usage: 'Verbose output for diagnostics' },
  ],
  args: { min: 1 },
  run: (ctx, flags, args) => inspectAll(ctx, flags, args, (ref) => ctx.api(NetworksApi).inspect(ref, { verbose: flags.bool('verbose') })),
};

const INGRESS_WARNING =
  'WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. ' +
  'Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?';

export const networkRm: CommandDef = {
  use: 'NETWORK [NETWORK...]',
  short: 'Remove one or more networks',
  flags: [{ long: 'force', short: 'f', kind: 'bool', usage: 'Do not error if the network does not exist' }],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const api = ctx.api(NetworksApi);
    let failed = false;
    for (const name of args) {
      // docker looks first, to warn before an ingress (swarm) network goes.
      const nw = await api.inspect(name).catch(() => undefined);
      if (nw?.Ingress && !(await confirm(ctx, INGRESS_WARNING))) continue;
      try {
        await api.remove(name);
      } catch (err) {
        if (flags.bool('force') && isApiError(err, 404)) continue;
        // Each failure as it happens, then docker's "exit status 1".
        ctx.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        failed = true;
        continue;
      }
      ctx.stdout.write(`${name}\n`);
    }
    if (failed) throw new StatusError(1, 'exit status 1');
    return 0;
  },
};

export const networkPrune: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove all unused networks',
  flags: [filterFlag('Provide filter values (e.g. "until=<timestamp>")', undefined), forceFlag()],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const warning = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';
    // A "no" cancels quietly, exit 0.
    if (!flags.bool('force') && !(await confirm(ctx, warning))) return 0;
    const report = await ctx.api(NetworksApi).prune({ filters: flags.list('filter') });
    const deleted = report?.NetworksDeleted ?? [];
    if (deleted.length) ctx.stdout.write(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    return 0;
  },
};

export const networkConnect: CommandDef = {
  use: '[OPTIONS] NETWORK CONTAINER',
  short: 'Connect a container to a network',
  flags: [
    strings('alias', 'Add network-scoped alias for the container'),
    strings('driver-opt', 'driver options for the network'),
    { long: 'gw-priority', kind: 'int', usage: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    { long: 'ip', kind: 'string', usage: 'IPv4 address (e.g., "172.30.100.104")' },
    { long: 'ip6', kind: 'string', usage: 'IPv6 address (e.g., "2001:db8::33")' },
    { long: 'link', kind: 'list', usage: 'Add link to another container', validate: validateLink },
    strings('link-local-ip', 'Add a link-local address for the container'),
  ],
  args: { min: 2, max: 2 },
  async run(ctx, flags, args) {
    const [network, container] = args as [string, string];
    let driverOpts;
    try {
      driverOpts = parseDriverOpts(flags.strings('driver-opt'));
    } catch (err) {
      throw new StatusError(1, (err as Error).message);
    }
    const ipv4 = flags.string('ip') ?? '';
    const ipv6 = flags.string('ip6') ?? '';
    const linkLocal = flags.strings('link-local-ip');
    const links = flags.list('link');
    // The whole network.EndpointSettings, zero values included, as docker marshals it.
    const endpoint: EndpointSettings = {
      IPAMConfig: {
        ...(ipv4 ? { IPv4Address: ipv4 } : {}),
        ...(ipv6 ? { IPv6Address: ipv6 } : {}),
        ...(linkLocal.length ? { LinkLocalIPs: linkLocal } : {}),
      },
      Links: links.length ? links : null,
      Aliases: flags.strings('alias'),
      MacAddress: '',
      DriverOpts: Object.fromEntries(Object.keys(driverOpts).sort(cmp).map((k) => [k, driverOpts[k] as string])),
      GwPriority: flags.int('gw-priority') ?? 0,
      NetworkID: '',
      EndpointID: '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: null,
    };
    await ctx.api(NetworksApi).connect(network, container, endpoint);
    return 0;
  },
};

export const networkDisconnect: CommandDef = {
  use: '[OPTIONS] NETWORK CONTAINER',
  short: 'Disconnect a container from a network',
  flags: [{ long: 'force', short: 'f', kind: 'bool', usage: 'Force the container to disconnect from a network' }],
  args: { min: 2, max: 2 },
  async run(ctx, flags, args) {
    const [network, container] = args as [string, string];
    await ctx.api(NetworksApi).disconnect(network, container, flags.bool('force'));
    return 0;
  },
};
