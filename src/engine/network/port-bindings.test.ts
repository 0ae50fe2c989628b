import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portMap, portRequests } from './port-bindings.js';

test('port bindings become one request per host binding', () => {
  const reqs = portRequests({ '80/tcp': {} }, {
    '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '' }],
    '53/udp': [{ HostPort: '5300-5310' }],
    '443': [{ HostIp: '::', HostPort: '8443' }],
  }, false);
  assert.deepEqual(reqs, [
    { containerPort: 80, proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [8080, 8080] },
    { containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPorts: [0, 0] },
    { containerPort: 53, proto: 'udp', hostIp: '0.0.0.0', hostPorts: [5300, 5310] },
  ]);
});

test('-P publishes every exposed port that has no binding', () => {
  const reqs = portRequests({ '80/tcp': {}, '53/udp': {}, '9000/tcp': {} }, { '9000/tcp': [{ HostPort: '9000' }] }, true);
  assert.deepEqual(reqs.map((r) => `${r.containerPort}/${r.proto}:${r.hostPorts.join('-')}`), ['9000/tcp:9000-9000', '80/tcp:0-0', '53/udp:0-0']);
});

test('bad port specs are refused', () => {
  assert.throws(() => portRequests({}, { '80/xyz': [{}] }, false), /invalid proto/);
  assert.throws(() => portRequests({}, { 'abc': [{}] }, false), /invalid port specification/);
  assert.throws(() => portRequests({}, { '80': [{ HostPort: '9-1' }] }, false), /invalid port specification/);
  assert.throws(() => portRequests({}, { '80': [{ HostIp: 'x.y', HostPort: '1' }] }, false), /invalid host IP/);
});

test('NetworkSettings.Ports lists exposed ports as null and published ones with their host port', () => {
  const m = portMap({ '80/tcp': {}, '81/tcp': {} }, { '80/tcp': [{ HostPort: '' }] }, [
    { containerPort: 80, proto: 'tcp', hostIp: '0.0.0.0', hostPort: 32768 },
  ]);
  assert.deepEqual(m, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '81/tcp': null });
});
