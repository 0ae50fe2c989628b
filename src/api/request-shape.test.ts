import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBody, checkCreateRequest } from './request-shape.js';

const refused = (body: unknown, re: RegExp) =>
  assert.throws(() => checkCreateRequest(body), (e: Error & { status?: number }) => e.status === 400 && re.test(e.message));

test('wrongly typed fields are 400s naming the field', () => {
  refused({ Image: 'x', HostConfig: { Memory: '512' } }, /string into Go struct field CreateRequest.HostConfig.Memory of type int64/);
  refused({ Image: 'x', HostConfig: { Memory: 1.5 } }, /number 1.5 .*Memory/);
  refused({ Image: 'x', Env: 'A=B' }, /Env of type \[\]string/);
  refused({ Image: 'x', Env: ['A', 1] }, /number 1 .*Env/);
  refused({ Image: 42 }, /Image of type string/);
  refused({ Image: 'x', Tty: 'yes' }, /Tty of type bool/);
  refused({ Image: 'x', Labels: { a: 1 } }, /Labels/);
  refused({ Image: 'x', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 80 }] } } }, /HostPort of type string/);
  refused({ Image: 'x', HostConfig: { Mounts: [{ Type: 'bind', ReadOnly: 'true' }] } }, /Mounts.ReadOnly of type bool/);
  refused({ Image: 'x', HostConfig: [] }, /HostConfig of type struct/);
  refused([], /array into Go value/);
  refused('x', /string into Go value/);
});

test('capabilities are checked at create', () => {
  refused({ Image: 'x', HostConfig: { CapAdd: 'X' } }, /unknown capability: "CAP_X"/);
  refused({ Image: 'x', HostConfig: { CapDrop: ['NOPE'] } }, /unknown capability/);
  // Keys in any case, as Go decodes them.
  refused({ image: 'x', hostconfig: { capadd: 'X' } }, /unknown capability/);
  refused({ Image: 'x', hostConfig: { memory: '1g' } }, /HostConfig.Memory of type int64/);
});

test("Go's leniencies: null, unknown fields, strslice strings", () => {
  const body = { Image: 'x', Cmd: 'true', Entrypoint: null, Unknown: { deep: 1 }, HostConfig: { CapAdd: 'NET_ADMIN', Memory: null, Dns: null } };
  checkCreateRequest(body);
  assert.deepEqual(body.Cmd, ['true']);
  assert.deepEqual(body.HostConfig.CapAdd, ['NET_ADMIN']);
});

test('other bodies: volume, network, exec, update', () => {
  assert.throws(() => checkBody('volume.CreateOptions', { Name: 7 }), /Name of type string/);
  assert.throws(() => checkBody('network.CreateRequest', { IPAM: { Config: [{ Subnet: 1 }] } }), /IPAM.Config.Subnet of type string/);
  assert.throws(() => checkBody('container.ExecOptions', { Env: 'A=B' }), /Env of type \[\]string/);
  assert.throws(() => checkBody('container.UpdateConfig', { Memory: '1g' }), /Memory of type int64/);
  assert.throws(() => checkBody('volume.CreateOptions', []), /array into Go value of type volume.CreateOptions/);
  checkBody('volume.CreateOptions', null);
  checkBody('network.ConnectOptions', { Container: 'x', EndpointConfig: { Aliases: ['a'] } });
});

test('a null in a list of strings is "", as Go decodes it (the API fuzz test found a 500: Env [null])', () => {
  const body = { Image: 'busybox', Env: [null, 'A=1'], HostConfig: { Binds: [null] } };
  checkCreateRequest(body);
  assert.deepEqual(body.Env, ['', 'A=1']);
  assert.deepEqual(body.HostConfig.Binds, ['']);
});
