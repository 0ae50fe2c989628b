// berth's network commands, port, and the networking flags of create against docker CLI 28:
// both run with the same arguments against a recording fake API, and must send the same
// requests, print the same output and exit with the same code.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiRecorder, HAVE_DOCKER, type CliRun, type RecordedRequest, type Route } from './api-recorder.js';
import { ipamConfig, type IPAMOptions } from './network-ipam.js';

const ID = 'a'.repeat(64);
const NETWORK = {
  Name: 'n1',
  Id: ID,
  Created: '2024-01-01T00:00:00.123456789Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv4: true,
  EnableIPv6: false,
  IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }] },
  Internal: false,
  Attachable: false,
  Ingress: false,
  ConfigFrom: { Network: '' },
  ConfigOnly: false,
  Containers: {},
  Options: {},
  Labels: { team: 'core' },
};
const LIST = [
  { ...NETWORK, Name: 'none', Id: 'f'.repeat(64), Driver: 'null', Labels: {} },
  { ...NETWORK, Name: 'n10', Id: 'b'.repeat(64) },
  { ...NETWORK, Name: 'n2', Id: 'c'.repeat(64), Internal: true, Labels: {} },
  { ...NETWORK, Name: 'bridge', Id: 'd'.repeat(64), Labels: {} },
];
const PORTS = {
  '80/tcp': [
    { HostIp: '0.0.0.0', HostPort: '8080' },
    { HostIp: '::', HostPort: '8080' },
  ],
  '81/tcp': null,
  '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
  '9000/tcp': [{ HostIp: '', HostPort: '32768' }],
  '10000/tcp': [{ HostIp: '0.0.0.0', HostPort: '1000' }],
};

const route: Route = (method, p) => {
  const notFound = (what: string) => ({ status: 404, json: { message: `network ${what} not found` } });
  if (p === '/networks/create') return { status: 201, json: { Id: ID, Warning: '' } };
  if (p === '/networks/prune') return { json: { NetworksDeleted: ['n1', 'n2'] } };
  if (p === '/networks') return { json: LIST };
  let m = /^\/networks\/([^/]+)\/(connect|disconnect)$/.exec(p);
  if (m) return m[1] === 'missing' ? notFound('missing') : {};
  m = /^\/networks\/([^/]+)$/.exec(p);
  if (m) {
    const name = m[1] as string;
    if (name === 'missing') return notFound(name);
    if (name === 'busy' && method === 'DELETE') return { status: 403, json: { message: 'error while removing network: network busy id xyz has active endpoints' } };
    return method === 'DELETE' ? { status: 204 } : { json: { ...NETWORK, Name: name } };
  }
  if (p === '/containers/create') return { status: 201, json: { Id: 'c'.repeat(64), Warnings: [] } };
  if (p === '/containers/nope/json') return { status: 404, json: { message: 'No such container: nope' } };
  if (/^\/containers\/[^/]+\/json$/.test(p)) return { json: { Id: 'c'.repeat(64), Name: '/c', NetworkSettings: { Ports: PORTS } } };
  return undefined;
};

/** Go's zero values (and empty maps and lists) dropped: docker sends every field, berth the ones that say something. */
function meaningful(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(meaningful) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const m = meaningful(x);
      if (m !== undefined) out[k] = m;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null || v === '' || v === 0 || v === false ? undefined : v;
}

/** The parts of a container create that networking flags decide (the rest has its own tests). */
function createNetworking(r: RecordedRequest): RecordedRequest {
  const body = r.body as { ExposedPorts?: unknown; MacAddress?: unknown; HostConfig?: Record<string, unknown>; NetworkingConfig?: unknown };
  const hc = body.HostConfig ?? {};
  const pick = ['NetworkMode', 'PortBindings', 'PublishAllPorts', 'Links', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts'];
  return {
    ...r,
    body: meaningful({
      ExposedPorts: body.ExposedPorts,
      MacAddress: body.MacAddress,
      HostConfig: Object.fromEntries(pick.map((k) => [k, hc[k]])),
      NetworkingConfig: body.NetworkingConfig,
    }),
  };
}

describe('network commands, port and create networking flags: berth sends and prints what docker does', { skip: HAVE_DOCKER ? false : 'no docker CLI' }, () => {
  const api = new ApiRecorder(route);
  before(() => api.listen());
  after(() => api.close());

  async function same(args: string[], opts: { input?: string; requests?: (r: RecordedRequest) => RecordedRequest } = {}): Promise<CliRun> {
    const docker = await api.run('docker', args, opts.input);
    const berth = await api.run('berth', args, opts.input);
    const shape = opts.requests ?? ((r: RecordedRequest) => r);
    assert.deepEqual(berth.requests.map(shape), docker.requests.map(shape), `requests of ${args.join(' ')}`);
    assert.equal(berth.stdout, docker.stdout, `stdout of ${args.join(' ')}`);
    assert.equal(berth.stderr, docker.stderr.replace(/\bdocker\b/g, 'berth'), `stderr of ${args.join(' ')}`);
    assert.equal(berth.code, docker.code, `exit code of ${args.join(' ')}`);
    return berth;
  }

  it('network create: driver, IPAM, options, labels, flags', async () => {
    assert.equal((await same(['network', 'create', 'n1'])).stdout, `${ID}\n`);
    await same(['network', 'create', '--subnet', '10.99.0.0/24', '--gateway', '10.99.0.1', '--ip-range', '10.99.0.128/25', '--label', 'b=2', '--label', 'a',
      '-o', 'com.x=1', '--opt', 'a.b=', '--internal', '--attachable', '--ipv6', '--ipv4=false', 'n2']);
    await same(['network', 'create', '-d', 'macvlan', '--subnet', '10.99.0.0/24', '--aux-address', 'h=10.99.0.5', '--ipam-opt', 'x=y', '--ipam-driver', 'foo',
      '--scope', 'local', '--config-only', '--config-from', 'base', '--ingress', 'n3']);
    await same(['network', 'create', '--subnet', 'fd00:1::/64', '--gateway', 'fd00:1::1', '--ipv6', 'v6']);
  });

  it('network create: docker errors for IPAM options and arguments', async () => {
    await same(['network', 'create', '--gateway', '10.0.0.1', 'x']);
    await same(['network', 'create', '--subnet', '10.0.0.0/8', '--subnet', '10.1.0.0/16', 'x']);
    await same(['network', 'create', '--subnet', '10.0.0.0/24', '--gateway', '10.1.0.1', 'x']);
    await same(['network', 'create', '--subnet', '10.0.0.0/24', '--ip-range', '10.0.0.0/33', 'x']);
    await same(['network', 'create', '--subnet', '10.0.0/24', '--gateway', '10.0.0.1', 'x']);
    await same(['network', 'create', '--subnet', '10.0.0.0/24', '--aux-address', 'a=10.9.0.1', 'x']);
    await same(['network', 'create', '--label', '=x', 'x']);
    await same(['network', 'create']);
    await same(['network', 'create', 'a', 'b']);
  });

  it('network ls: table, sort, quiet, no-trunc, filters, formats', async () => {
    const table = await same(['network', 'ls']);
    assert.match(table.stdout, /^NETWORK ID {5}NAME {6}DRIVER {4}SCOPE\n/);
    await same(['network', 'ls', '-q']);
    await same(['network', 'ls', '--no-trunc']);
    await same(['network', 'ls', '-q', '--no-trunc', '--filter', 'driver=bridge', '-f', 'name=n', '--filter', 'type=custom', '--filter', 'label=team=core']);
    await same(['network', 'list', '--format', '{{.Name}}\t{{.Internal}}\t{{.Label "team"}}\t{{.CreatedAt}}']);
    await same(['network', 'ls', '--format', 'table {{.ID}}\t{{.IPv4}}\t{{.Labels}}']);
    await same(['network', 'ls', '--format', 'json']);
    await same(['network', 'ls', '--filter', 'nonsense']);
  });

  it('network inspect: JSON array, --format, -v, missing networks', async () => {
    await same(['network', 'inspect', 'n1']);
    await same(['network', 'inspect', 'n1', 'missing', 'other']);
    await same(['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}}{{end}}', 'n1', 'n2']);
    await same(['network', 'inspect', '--format', 'json', 'n1']);
    await same(['network', 'inspect', '-v', 'n1']);
    await same(['network', 'inspect', 'missing']);
    await same(['inspect', '--type', 'network', 'n1']);
  });

  it('network rm: names printed, errors as they come, exit 1', async () => {
    await same(['network', 'rm', 'n1']);
    await same(['network', 'rm', 'n1', 'missing', 'busy', 'n2']);
    await same(['network', 'rm', '-f', 'missing', 'n1']);
    await same(['network', 'remove', 'missing']);
    await same(['network', 'rm']);
  });

  it('network prune: the prompt, -f, --filter', async () => {
    await same(['network', 'prune'], { input: 'y\n' });
    await same(['network', 'prune'], { input: 'n\n' });
    await same(['network', 'prune'], { input: '' });
    await same(['network', 'prune', '-f', '--filter', 'until=1h', '--filter', 'label=a']);
  });

  it('network connect and disconnect', async () => {
    await same(['network', 'connect', 'n1', 'c']);
    await same(['network', 'connect', '--alias', 'a1', '--alias', 'a2,a3', '--ip', '10.99.0.9', '--ip6', 'fd00::9', '--link', 'other:o',
      '--link-local-ip', '169.254.0.9', '--driver-opt', 'k=v', '--driver-opt', 'a= b ', '--gw-priority', '5', 'n1', 'c']);
    await same(['network', 'connect', '--link', 'a:b:c', 'n1', 'c']);
    await same(['network', 'connect', '--driver-opt', 'novalue', 'n1', 'c']);
    await same(['network', 'connect', 'missing', 'c']);
    await same(['network', 'connect', 'n1']);
    await same(['network', 'disconnect', 'n1', 'c']);
    await same(['network', 'disconnect', '-f', 'n1', 'c']);
    await same(['network', 'disconnect', 'missing', 'c']);
  });

  it('port: all mappings, one port, errors', async () => {
    const all = await same(['port', 'c']);
    assert.equal(all.stdout, '53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n9000/tcp -> :32768\n10000/tcp -> 0.0.0.0:1000\n');
    for (const p of ['80', '80/tcp', '53/udp', '9000', '81', '81/udp', '82', 'abc', '99999', '80/']) await same(['port', 'c', p]);
    await same(['container', 'port', 'nope']);
    await same(['port']);
    await same(['port', 'c', '80', 'x']);
  });

  it('create: --network, aliases, --ip/--ip6/--mac-address, --link, and their conflicts', async () => {
    const create = (...args: string[]) => same(['create', ...args, 'busybox'], { requests: createNetworking });
    await create();
    await create('--network', 'n1');
    await create('--net', 'n1', '--network-alias', 'a', '--net-alias', 'b', '--ip', '10.0.0.2', '--ip6', 'fd00::2', '--mac-address', '92:d0:c6:0a:29:33',
      '--link', 'x:y', '--link-local-ip', '169.254.1.1');
    await create('--network', 'bridge', '--link', 'x:y', '--mac-address', '92-d0-c6-0a-29-33', '--ip', '172.17.0.9');
    await create('--network', 'name=N1,alias=a1,alias=a2,ip=10.0.0.3,driver-opt=k=v,gw-priority=3,mac-address=92:d0:c6:0a:29:34', '--network', 'n2');
    await create('--network', 'host');
    await create('--network', 'none');
    await create('--network', 'container:abc');
    await create('--network', 'name=');
    await create('--network', 'host', '--network-alias', 'x');
    await create('--network-alias', 'x');
    await create('--network', 'host', '--network', 'n1');
    await create('--network', 'n1', '--network', 'n1');
    await create('--network', '');
    await create('--network', 'foo=bar');
    await create('--network', 'name=n1,gw-priority=x');
    await create('--network', 'alias=x,ip=1');
    await create('--network', 'name=n1,alias=a', '--network-alias', 'b');
    await create('--network', 'name=n1,ip=10.0.0.1', '--ip', '10.0.0.2');
    await create('--mac-address', 'zz');
    await create('--link', 'a:b:c');
  });

  it('create: -p, -P, --expose, --dns*, --add-host', async () => {
    const create = (...args: string[]) => same(['create', ...args, 'busybox'], { requests: createNetworking });
    await create('-p', '8080:80', '-p', '127.0.0.1::53/udp', '-p', '[::1]:81:81', '-p', '9000-9001:90-91', '-p', '7000-7010:70', '-P', '--expose', '7000-7001',
      '--expose', '5000/udp');
    await create('-p', 'published=8080,target=80', '-p', 'target=53,protocol=udp,host_ip=127.0.0.1,mode=host');
    await create('--dns', '1.1.1.1', '--dns', '0:0::1', '--dns-search', 'example.com.', '--dns-search', '.', '--dns-option', 'ndots:2', '--dns-opt', 'a:1',
      '--add-host', 'h:1.2.3.4', '--add-host', 'v6=[::1]', '--add-host', 'host.docker.internal:host-gateway');
    for (const bad of [
      ['-p', '1.2.3:80:80'],
      ['-p', '80/xyz'],
      ['-p', '8080-8081:80-82'],
      ['-p', 'abc'],
      ['-p', 'target'],
      ['--expose', '1:2'],
      ['--expose', 'abc'],
      ['--expose', '9-1'],
      ['--dns', 'notanip'],
      ['--dns', '010.0.0.1'],
      ['--dns-search', '-bad-'],
      ['--add-host', 'bad'],
      ['--add-host', 'h:nope'],
    ]) {
      await create(...bad);
    }
  });
});

describe('network create IPAM configs', () => {
  const base: IPAMOptions = { driver: 'default', subnets: [], ipRanges: [], gateways: [], auxAddresses: {}, driverOpts: {} };

  it('groups ranges, gateways and aux addresses under their subnet, in the order given', () => {
    const ipam = ipamConfig({
      ...base,
      subnets: ['10.1.0.0/16', 'fd00::/64'],
      gateways: ['fd00::1', '10.1.0.1'],
      ipRanges: ['10.1.4.0/24'],
      auxAddresses: { router: '10.1.0.2' },
    });
    assert.deepEqual(ipam, {
      Driver: 'default',
      Options: {},
      Config: [
        { Subnet: '10.1.0.0/16', IPRange: '10.1.4.0/24', Gateway: '10.1.0.1', AuxiliaryAddresses: { router: '10.1.0.2' } },
        { Subnet: 'fd00::/64', Gateway: 'fd00::1' },
      ],
    });
  });

  it('refuses what docker refuses', () => {
    assert.throws(() => ipamConfig({ ...base, subnets: ['10.0.0.0/24'], gateways: ['10.0.0.1', '10.0.0.2'] }), /every ip-range or gateway must have a corresponding subnet/);
    assert.throws(() => ipamConfig({ ...base, subnets: ['10.0.0.0/24', '10.0.0.128/25'] }), /multiple overlapping subnet configuration is not supported/);
    assert.throws(() => ipamConfig({ ...base, subnets: ['10.0.0.0/24', '10.0.1.0/24'], gateways: ['10.0.0.1', '10.0.0.2'] }), /cannot configure multiple gateways \(10\.0\.0\.2, 10\.0\.0\.1\) for the same subnet \(10\.0\.0\.0\/24\)/);
    assert.throws(() => ipamConfig({ ...base, subnets: ['10.0.0.0/24'], ipRanges: ['10.0.0.0/40'] }), /^Error: invalid CIDR address: 10\.0\.0\.0\/40$/);
    assert.throws(() => ipamConfig({ ...base, subnets: ['10.0.0.0/24'], gateways: ['bogus'] }), /no matching subnet for gateway bogus/);
    // A lone subnet is the daemon's to check, as with docker.
    assert.equal(ipamConfig({ ...base, subnets: ['bogus'] }).Config?.[0]?.Subnet, 'bogus');
  });
});
