import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelAtLeast, loadDefaultProfile, toOciSeccomp, updateDockerProfile, type SeccompProfile } from './seccomp.js';
import { parseSecurityOpts } from './security-opts.js';
import { DEFAULT_CAPABILITIES } from './oci-spec.js';

const amd64 = { arch: 'x64', kernel: '6.18.0' };
const profile: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }, { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['unshare'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
    { names: ['new_call'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.1' } },
    { names: ['old_call'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
    { name: 'personality', action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
  ],
};

const names = (s: ReturnType<typeof toOciSeccomp>) => s!.syscalls.flatMap((c) => c.names);

test('rules apply only for the capabilities, architecture and kernel they name (moby setupSeccomp)', () => {
  const s = toOciSeccomp(profile, DEFAULT_CAPABILITIES, amd64)!;
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(names(s), ['read', 'write', 'clone3', 'arch_prctl', 'personality']);
  assert.deepEqual(s.syscalls.find((c) => c.names[0] === 'clone3')!.errnoRet, 38);
  assert.deepEqual(s.syscalls.at(-1)!.args, [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }]);
  const admin = toOciSeccomp(profile, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], { arch: 'arm64', kernel: '4.19.2' })!;
  assert.deepEqual(admin.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual(names(admin), ['read', 'write', 'unshare', 'arm_only', 'old_call', 'personality']);
});

test('bad profiles are refused with dockerd\'s messages', () => {
  assert.throws(() => toOciSeccomp({ ...profile, architectures: ['SCMP_ARCH_X86_64'] }, [], amd64), /both 'architectures' and 'archMap'/);
  assert.throws(() => toOciSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }, [], amd64), /both 'name' and 'names'/);
  assert.equal(toOciSeccomp({ defaultAction: '' }, [], amd64), undefined);
});

test('kernel versions compare numerically', () => {
  assert.ok(kernelAtLeast('6.18.0-berth', '4.8'));
  assert.ok(kernelAtLeast('4.10.1', '4.8'));
  assert.ok(!kernelAtLeast('4.7.9', '4.8'));
});

test('Docker\'s 20.10 profile is brought to Docker 28\'s: io_uring out, newer syscalls in, EPERM by default', () => {
  const p = updateDockerProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'io_uring_setup'], action: 'SCMP_ACT_ALLOW' }, { names: ['io_uring_enter'], action: 'SCMP_ACT_ALLOW' }] });
  const all = p.syscalls!.flatMap((r) => r.names ?? []);
  assert.ok(!all.some((n) => n.startsWith('io_uring')));
  assert.ok(all.includes('fchmodat2') && all.includes('read'));
  assert.equal(p.defaultErrnoRet, 1);
});

test('the installed default profile blocks unshare and keyctl for default capabilities', (t) => {
  const found = loadDefaultProfile();
  if (!found) return t.skip('no default profile installed (scripts/setup-host.sh)');
  const s = toOciSeccomp(found.profile, DEFAULT_CAPABILITIES, amd64)!;
  const allowed = new Set(s.syscalls.filter((c) => c.action === 'SCMP_ACT_ALLOW').flatMap((c) => c.names));
  assert.ok(allowed.has('read') && allowed.has('clone'));
  if (found.path.includes('berth')) {
    assert.ok(!allowed.has('unshare') && !allowed.has('keyctl') && !allowed.has('mount'));
    assert.ok(names(toOciSeccomp(found.profile, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], amd64)).includes('unshare'));
  }
});

test('security options parse as dockerd parses them', () => {
  assert.deepEqual(parseSecurityOpts(['no-new-privileges']), { noNewPrivileges: true, seccomp: 'default' });
  assert.deepEqual(parseSecurityOpts(['no-new-privileges:true', 'seccomp:unconfined']), { noNewPrivileges: true, seccomp: 'unconfined' });
  assert.deepEqual(parseSecurityOpts(['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']).seccomp, { defaultAction: 'SCMP_ACT_ALLOW' });
  assert.equal(parseSecurityOpts(['writable-cgroups=true']).writableCgroups, true);
  assert.throws(() => parseSecurityOpts(['bogus=1']), /invalid --security-opt 2: "bogus=1"/);
  assert.throws(() => parseSecurityOpts(['apparmor=docker-default']), /AppArmor is not enabled/);
  assert.doesNotThrow(() => parseSecurityOpts(['apparmor=unconfined', 'label=disable', 'label:disable']));
});
