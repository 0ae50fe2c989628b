// berthd on TCP with mutual TLS (dockerd's --tlsverify): a client with a certificate signed by
// the CA gets in, one without is refused. Certificates are made here with openssl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestDaemon } from './harness.js';
import { freePorts } from './harness.js';


function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=berth-test-ca');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who === 'client' ? 'key' : 'server-key'}.pem`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2',
      '-out', `${who === 'client' ? 'cert' : 'server-cert'}.pem`, '-extfile', `${who}.ext`);
  }
}

describe('TCP with mutual TLS', () => {
  let d: TestDaemon;
  let certs: string;
  let port: number;
  before(async () => {
    certs = mkdtempSync(path.join(tmpdir(), 'berth-tls-'));
    makeCerts(certs);
    port = await freePorts();
    d = new TestDaemon('tls', [
      '-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', path.join(certs, 'ca.pem'),
      '--tlscert', path.join(certs, 'server-cert.pem'), '--tlskey', path.join(certs, 'server-key.pem'),
    ]);
    await d.start();
  });
  after(async () => {
    rmSync(certs, { recursive: true, force: true });
    assert.deepEqual(await d.stop(), []);
  });

  it('serves the docker CLI over TLS with a client certificate', async () => {
    const r = await d.docker(['--tlsverify', '-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.Version}}'], undefined, {
      DOCKER_HOST: '', DOCKER_CERT_PATH: certs,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('refuses a client without a certificate', async () => {
    const r = await d.docker(['-H', `tcp://127.0.0.1:${port}`, '--tls', '--tlscacert', path.join(certs, 'ca.pem'), 'version'], undefined, {
      DOCKER_HOST: '', DOCKER_CERT_PATH: '',
    });
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /Server: berth/);
  });

  it('berth finds the daemon from -H and speaks TLS too', async () => {
    const r = await d.berth(['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', path.join(certs, 'ca.pem'),
      '--tlscert', path.join(certs, 'cert.pem'), '--tlskey', path.join(certs, 'key.pem'), 'version', '--format', '{{.Server.Version}}'], undefined, { BERTH_HOST: '', DOCKER_HOST: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});

describe('TCP fails closed', () => {
  const refuses = async (args: string[], re: RegExp) => {
    const t = new TestDaemon('tls-refuse', args);
    try {
      await assert.rejects(t.start(), re);
    } finally {
      await t.stop();
    }
  };

  it('refuses tcp:// without --tlsverify', async () => {
    const p = await freePorts();
    await refuses(['-H', `tcp://127.0.0.1:${p}`], /berthd exited 125: .*refusing to listen on tcp:\/\/127.0.0.1:\d+ without --tlsverify/s);
  });

  it('refuses --tlsverify without a certificate, key and CA', async () => {
    const p = await freePorts();
    await refuses(['-H', `tcp://127.0.0.1:${p}`, '--tlsverify'], /--tlsverify needs --tlscacert, --tlscert, --tlskey/);
    await refuses(['--tlsverify', '--tlscert', '/nonexistent'], /--tlsverify needs --tlscacert, --tlskey/);
  });

  it('serves plain TCP only with --tls=false, and warns on every start', async () => {
    const p = await freePorts();
    const t = new TestDaemon('tls-optout', ['-H', `tcp://127.0.0.1:${p}`, '--tls=false']);
    try {
      await t.start();
      assert.match(t.log, /level=warn msg=".*tcp:\/\/127.0.0.1:\d+ with plain HTTP without TLS: anyone who can reach it has root/);
      const r = await t.docker(['-H', `tcp://127.0.0.1:${p}`, 'version', '--format', '{{.Server.Version}}'], undefined, { DOCKER_HOST: '' });
      assert.equal(r.code, 0, r.stderr);
    } finally {
      assert.deepEqual(await t.stop(), []);
    }
  });
});
