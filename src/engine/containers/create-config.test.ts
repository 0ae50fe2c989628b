import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig, validateHostConfig } from './create-config.js';
import type { ImageRecord } from '../images/types.js';

const image: ImageRecord = {
  id: 'sha256:1', repoTags: [], repoDigests: [], size: 0, parent: '', loadedAt: '',
  config: {
    architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] },
    config: { Env: ['PATH=/bin', 'A=image'], Cmd: ['sh'], Entrypoint: ['/entry'], WorkingDir: '/app', Labels: { a: '1' } },
  },
};

test('the request overrides the image field by field; env and labels merge', () => {
  const { config, path, args } = mergeConfig({ Image: 'x', Cmd: ['run'], Env: ['A=req'], Labels: { b: '2' } }, image, 'f'.repeat(64));
  assert.equal(path, '/entry');
  assert.deepEqual(args, ['run']);
  assert.deepEqual(config.Env, ['PATH=/bin', 'A=req']);
  assert.deepEqual(config.Labels, { a: '1', b: '2' });
  assert.equal(config.WorkingDir, '/app');
  assert.equal(config.Hostname, 'ffffffffffff');
});

test('an overridden entrypoint drops the image CMD; an empty one clears it', () => {
  const a = mergeConfig({ Image: 'x', Entrypoint: ['echo'] }, image, 'f'.repeat(64));
  assert.equal(a.path, 'echo');
  assert.deepEqual(a.args, []);
  const b = mergeConfig({ Image: 'x', Entrypoint: [''], Cmd: ['ls', '-l'] }, image, 'f'.repeat(64));
  assert.equal(b.path, 'ls');
  assert.throws(() => mergeConfig({ Image: 'x', Entrypoint: [''] }, { ...image, config: { ...image.config, config: {} } }, 'f'.repeat(64)), /no command specified/);
});

test('resource checks use docker\'s messages', () => {
  assert.throws(() => validateHostConfig({ Memory: 1024 }, 2), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => validateHostConfig({ NanoCpus: 3e9 }, 2), /Range of CPUs is from 0.01 to 2.00/);
  assert.throws(() => validateHostConfig({ AutoRemove: true, RestartPolicy: { Name: 'always' } }, 2), /AutoRemove/);
  validateHostConfig({ Memory: 64 << 20, NanoCpus: 1e9 }, 2);
});
