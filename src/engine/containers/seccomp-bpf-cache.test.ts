import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BPF_ANNOTATION, SeccompBpfCache } from './seccomp-bpf-cache.js';
import type { OciLinux, OciSeccomp } from '../../protocol/oci-runtime-spec.js';

test('the first container with a filter compiles it; later ones load the program crun left', async (t) => {
  const cache = new SeccompBpfCache();
  const filter: OciSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  const linux = (seccomp?: OciSeccomp): OciLinux => ({ namespaces: [], ...(seccomp ? { seccomp } : {}) });
  const first = { linux: linux(filter) };
  const key = cache.apply(first);
  assert.ok(key);
  assert.deepEqual(first.linux.seccomp, filter, 'unknown filter: the runtime compiles it');
  const state = mkdtempSync(path.join(tmpdir(), 'bt-bpf-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  writeFileSync(path.join(state, 'seccomp.bpf'), Buffer.alloc(16, 7));
  await cache.learn(key!, state);
  const second: { linux: OciLinux; annotations?: Record<string, string> } = { linux: linux(structuredClone(filter)) };
  assert.equal(cache.apply(second), undefined);
  assert.equal(second.linux.seccomp, undefined);
  assert.equal(second.annotations![BPF_ANNOTATION], Buffer.alloc(16, 7).toString('base64'));
  // Another filter is not confused with it; no filter, nothing to do.
  assert.ok(cache.apply({ linux: linux({ ...filter, defaultAction: 'SCMP_ACT_ALLOW' }) }));
  assert.equal(cache.apply({ linux: linux() }), undefined);
});
