// What confines a container beyond its namespaces, as Docker 28 does: the default seccomp
// profile (and --security-opt seccomp=…), masked /proc paths, the OOM score, devices and the
// namespace modes; every option either honoured or refused at create with a 400.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDaemon, type TestDaemon } from './harness.js';

describe('confinement', () => {
  let d: TestDaemon;
  const dir = mkdtempSync(path.join(tmpdir(), 'bt-confine-'));
  before(async () => {
    d = await startDaemon('confinement');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  it('a default container runs under Docker\'s seccomp filter: unshare and keyctl-like calls get EPERM', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'grep Seccomp: /proc/1/status; unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /^Seccomp:\s+2$/m, r.stderr);
    assert.doesNotMatch(r.stdout, /UNSHARED/);
    assert.match(r.stderr, /Operation not permitted/);
    const info = (await d.api('GET', '/info')).json<{ SecurityOptions: string[] }>();
    assert.ok(info.SecurityOptions.includes('name=seccomp,profile=builtin'), JSON.stringify(info.SecurityOptions));
  });

  it('a capability the profile gates on opens its syscalls (CAP_SYS_ADMIN: unshare)', async () => {
    const r = await d.docker(['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /UNSHARED/, r.stderr);
  });

  it('seccomp=unconfined and --privileged run without a filter', async () => {
    const r = await d.docker(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'sh', '-c', 'grep Seccomp: /proc/1/status; unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /^Seccomp:\s+0$/m, r.stderr);
    assert.match(r.stdout, /UNSHARED/);
    const p = await d.docker(['run', '--rm', '--privileged', 'busybox', 'grep', 'Seccomp:', '/proc/1/status']);
    assert.match(p.stdout, /^Seccomp:\s+0$/m, p.stderr);
  });

  it('seccomp=PROFILE.json applies the user\'s profile (the CLI sends its content)', async () => {
    const file = path.join(dir, 'no-mkdir.json');
    writeFileSync(file, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }));
    const r = await d.docker(['run', '--rm', '--security-opt', `seccomp=${file}`, 'busybox', 'sh', '-c', 'grep Seccomp: /proc/1/status; mkdir /x && echo MADE; unshare -U true && echo UNSHARED']);
    assert.match(r.stdout, /^Seccomp:\s+2$/m, r.stderr);
    assert.doesNotMatch(r.stdout, /MADE/);
    assert.match(r.stdout, /UNSHARED/);
  });

  it('unknown or unsupported security options are refused at create with a 400', async () => {
    const create = (SecurityOpt: string[]) => d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { SecurityOpt } });
    for (const [opt, msg] of [
      ['foo=bar', /invalid --security-opt 2: "foo=bar"/],
      ['nonsense', /invalid --security-opt 1: "nonsense"/],
      ['no-new-privileges=maybe', /invalid --security-opt 2/],
      ['apparmor=docker-default', /AppArmor is not enabled/],
      ['label=type:svirt_t', /SELinux is not enabled/],
      ['seccomp={not json', /Decoding seccomp profile failed/],
    ] as const) {
      const r = await create([opt]);
      assert.equal(r.status, 400, `${opt}: ${r.text}`);
      assert.match(r.json<{ message: string }>().message, msg);
    }
    const ok = await create(['apparmor=unconfined', 'label=disable', 'no-new-privileges=true', 'seccomp=unconfined']);
    assert.equal(ok.status, 201, ok.text);
    await d.api('DELETE', `/containers/${ok.json<{ Id: string }>().Id}`);
    const cli = await d.docker(['run', '--rm', '--security-opt', 'apparmor=myprofile', 'busybox', 'true']);
    assert.equal(cli.code, 125);
    assert.match(cli.stderr, /AppArmor is not enabled/);
  });

  it('no-new-privileges is honoured', async () => {
    const r = await d.docker(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs:', '/proc/1/status']);
    assert.match(r.stdout, /NoNewPrivs:\s+1/, r.stderr);
    const off = await d.docker(['run', '--rm', 'busybox', 'grep', 'NoNewPrivs:', '/proc/1/status']);
    assert.match(off.stdout, /NoNewPrivs:\s+0/, off.stderr);
  });

  it('masks /proc/interrupts and the other paths Docker 28 masks', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'wc -c < /proc/interrupts; wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l']);
    assert.deepEqual(r.stdout.trim().split(/\s+/), ['0', '0', '0', '0'], r.stderr);
  });
});
