import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerSummary, SummaryCache } from './container-views.js';
import type { ContainerRecord } from '../engine/containers/types.js';

const T0 = Date.parse('2026-12-02T06:00:00Z');

function record(): ContainerRecord {
  return {
    Id: 'c'.repeat(64),
    Name: '/web',
    Created: '2026-12-02T05:00:00.123456789Z',
    Path: 'sh',
    Args: ['-c', 'echo "a b"; sleep 1'],
    Config: {
      Image: 'busybox', Labels: { 'com.example': 'x"y' }, ExposedPorts: { '80/tcp': {} },
      Hostname: 'web', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
      Tty: false, OpenStdin: false, StdinOnce: false, Env: [], Cmd: ['sh'], WorkingDir: '', Entrypoint: null,
    },
    HostConfig: { NetworkMode: 'default' },
    Image: 'sha256:' + 'e'.repeat(64),
    TopLayer: '',
    State: {
      Status: 'running', Pid: 42, ExitCode: 0, Error: '', OOMKilled: false,
      StartedAt: '2026-12-02T05:58:00Z', FinishedAt: '0001-01-01T00:00:00Z', MonitorPid: 41, RestartCount: 0,
    },
    Mounts: [{ Type: 'volume', Name: 'data', Source: '/var/lib/berth/volumes/data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }],
    Runtime: 'crun',
    CgroupPath: '/berth/x',
    RestartCount: 0,
    Networks: {
      bridge: {
        NetworkID: 'n'.repeat(64),
        Endpoint: { EndpointID: 'p'.repeat(64), IfName: 'eth0', HostIfName: 'bv1', IPAddress: '10.87.0.2', IPPrefixLen: 16, Gateway: '10.87.0.1', MacAddress: '02:42:0a:57:00:02' },
      },
    },
    Sandbox: { SandboxID: 's', Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } },
  } as unknown as ContainerRecord;
}

test("the list's cached JSON is the summaries', and follows the records' changes", () => {
  const cache = new SummaryCache();
  const rec = record();
  const other = { ...record(), Id: 'd'.repeat(64), Name: '/ünïcode', Config: { ...record().Config, Labels: { 'é': '"\\n' } } } as ContainerRecord;
  const versions = new Map<ContainerRecord, number>([[rec, 1], [other, 1]]);
  let links: Record<string, string[]> = {};
  const same = (now: number, recs = [rec, other]) =>
    assert.equal(
      cache.list(recs, (c) => versions.get(c)!, now, (c) => links[c.Id]).toString(),
      JSON.stringify(recs.map((c) => containerSummary(c, now, links[c.Id]))),
    );
  same(T0);
  same(T0, []);
  same(T0, [other]);
  // The time goes on: Status follows without a new version.
  same(T0 + 3_600_000);
  // Links to it come and go without a save of this record.
  links = { [rec.Id]: ['/other/alias', '/a/b'] };
  same(T0);
  // A state changed in memory before its save: State and Status are the record's now.
  rec.State = { ...rec.State, Status: 'exited', ExitCode: 3, FinishedAt: '2026-12-02T05:59:00Z' };
  same(T0);
  // The rest is the saved record's: a new version brings the change.
  rec.Sandbox = undefined;
  delete rec.Networks!.bridge!.Endpoint;
  rec.Config.Labels = {};
  assert.notEqual(cache.list([rec], (c) => versions.get(c)!, T0, () => undefined).toString(), JSON.stringify([containerSummary(rec, T0)]));
  versions.set(rec, 2);
  same(T0);
  rec.Name = '/renamed';
  versions.set(rec, 3);
  same(T0);
  // And it parses as the docker CLI reads it.
  const parsed = JSON.parse(cache.list([other, rec], (c) => versions.get(c)!, T0, () => undefined).toString()) as Array<{ Names: string[] }>;
  assert.deepEqual(parsed.map((p) => p.Names[0]), ['/ünïcode', '/renamed']);
});
