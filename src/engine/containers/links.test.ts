import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkEnv, parseLink, storedLink } from './links.js';

test('links parse in the CLI\'s and in Docker\'s stored form', () => {
  assert.deepEqual(parseLink('db:mydb'), { target: 'db', alias: 'mydb' });
  assert.deepEqual(parseLink('db'), { target: 'db', alias: 'db' });
  assert.deepEqual(parseLink('/db:/web/mydb'), { target: 'db', alias: 'mydb' });
  assert.equal(storedLink('/db', 'web', 'mydb'), '/db:/web/mydb');
});

test('a link\'s variables are Docker\'s: first port, each port, name, env without HOME and PATH', () => {
  const env = linkEnv('my-db', '/web', { ip: '10.0.0.2', exposedPorts: ['6379/tcp', '53/udp'], env: ['PATH=/bin', 'FOO=1', 'HOME=/root'] });
  assert.deepEqual(env, [
    'MY_DB_PORT=udp://10.0.0.2:53',
    'MY_DB_PORT_53_UDP=udp://10.0.0.2:53', 'MY_DB_PORT_53_UDP_ADDR=10.0.0.2', 'MY_DB_PORT_53_UDP_PORT=53', 'MY_DB_PORT_53_UDP_PROTO=udp',
    'MY_DB_PORT_6379_TCP=tcp://10.0.0.2:6379', 'MY_DB_PORT_6379_TCP_ADDR=10.0.0.2', 'MY_DB_PORT_6379_TCP_PORT=6379', 'MY_DB_PORT_6379_TCP_PROTO=tcp',
    'MY_DB_NAME=/web/my-db',
    'MY_DB_ENV_FOO=1',
  ]);
});
