import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadAuth, removeAuth, saveAuth, serverKey, serverKeyForImage } from './credentials.js';

test('config.json credentials as docker keeps them', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DOCKER_CONFIG: dir };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'other:1': { auth: 'eDp5' } }, psFormat: 'table {{.ID}}' }));
  assert.equal(serverKey(undefined), 'https://index.docker.io/v1/');
  assert.equal(serverKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(serverKey('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(serverKeyForImage('busybox'), 'https://index.docker.io/v1/');
  assert.equal(serverKeyForImage('127.0.0.1:5000/a/b:1'), '127.0.0.1:5000');
  const file = saveAuth(env, '127.0.0.1:5000', 'alice', 'pw:with:colons');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const cfg = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(cfg.psFormat, 'table {{.ID}}'); // other settings kept
  assert.equal(cfg.auths['other:1'].auth, 'eDp5');
  assert.deepEqual(loadAuth(env, '127.0.0.1:5000'), { serveraddress: '127.0.0.1:5000', username: 'alice', password: 'pw:with:colons' });
  assert.equal(removeAuth(env, '127.0.0.1:5000'), true);
  assert.equal(removeAuth(env, '127.0.0.1:5000'), false);
  assert.equal(loadAuth(env, '127.0.0.1:5000'), undefined);
});
