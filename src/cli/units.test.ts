import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parseHumanSize, parseNanoCpus, parseRamBytes } from '../protocol/units.js';
import { getTimestamp } from './timestamps.js';
import { familiarTagged, parseReference, repositoryName } from '../protocol/reference.js';
import { detachKeysOrDefault, EscapeDetector, parseDetachKeys } from './hijack-io.js';
import { parseGpuRequest, parseUlimit, parseDevice, parseRestartPolicy } from './limits.js';

test('RAMInBytes', () => {
  assert.equal(parseRamBytes('512m'), 512 * 1024 ** 2);
  assert.equal(parseRamBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseRamBytes('100'), 100);
  assert.equal(parseRamBytes('64MiB'), 64 * 1024 ** 2);
  assert.equal(parseRamBytes('2kb'), 2048);
  assert.throws(() => parseRamBytes('xyz'), /invalid size: 'xyz'/);
  assert.equal(parseHumanSize('1k'), 1000);
});

test('NanoCPUs', () => {
  assert.equal(parseNanoCpus('1.5'), 1_500_000_000);
  assert.equal(parseNanoCpus('0.000000001'), 1);
  assert.equal(parseNanoCpus('2'), 2e9);
  assert.throws(() => parseNanoCpus('0.0000000001'), /too precise/);
  assert.throws(() => parseNanoCpus('abc'), /failed to parse abc as a rational number/);
  // What Go's big.Rat reads too: a sign (the range is the daemon's to refuse), a fraction, an exponent.
  assert.equal(parseNanoCpus('-1'), -1e9);
  assert.equal(parseNanoCpus('+.5'), 5e8);
  assert.equal(parseNanoCpus('1/4'), 250_000_000);
  assert.equal(parseNanoCpus('15e-1'), 1_500_000_000);
  assert.equal(parseNanoCpus('2.'), 2e9);
  assert.throws(() => parseNanoCpus('1/3'), /too precise/);
  for (const bad of ['', '.', '1/0', '1.5/2', '1e', '--1', ' 1']) assert.throws(() => parseNanoCpus(bad), /as a rational number/, bad);
});

test('Go durations', () => {
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('500ms'), 500e6);
  assert.equal(parseGoDuration('1.5h'), 1.5 * 3600e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.throws(() => parseGoDuration('10'), /missing unit/);
  assert.throws(() => parseGoDuration('x'), /invalid duration/);
  // Go's words, exactly: the unit is everything up to the next digit or dot.
  assert.throws(() => parseGoDuration('1x'), { message: 'time: unknown unit "x" in duration "1x"' });
  assert.throws(() => parseGoDuration('1.5hx2s'), { message: 'time: unknown unit "hx" in duration "1.5hx2s"' });
  assert.throws(() => parseGoDuration('1s2'), { message: 'time: missing unit in duration "1s2"' });
  assert.throws(() => parseGoDuration('.s'), { message: 'time: invalid duration ".s"' });
  assert.equal(parseGoDuration('.5s'), 5e8);
  assert.equal(parseGoDuration('-1.5m'), -90e9);
  assert.equal(parseGoDuration('1h2m3s4ms5us6ns'), 3723004005006);
});

test('--since/--until timestamps', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  assert.equal(getTimestamp('10m', now), String(now / 1000 - 600));
  assert.equal(getTimestamp('1700000000', now), '1700000000');
  assert.equal(getTimestamp('1700000000.5', now), '1700000000.5');
  assert.equal(getTimestamp('2024-01-01T10:00:00Z', now), `${Date.UTC(2024, 0, 1, 10) / 1000}.000000000`);
  assert.equal(getTimestamp('2024-01-01T10:00:00.25+02:00', now), `${Date.UTC(2024, 0, 1, 8) / 1000}.250000000`);
  assert.throws(() => getTimestamp('yesterday', now), /failed to parse value as time or duration/);
});

test('image references', () => {
  assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  assert.equal(repositoryName(parseReference('me/app:1')), 'docker.io/me/app');
  assert.equal(repositoryName(parseReference('localhost:5000/app')), 'localhost:5000/app');
  assert.equal(familiarTagged('busybox'), 'busybox:latest');
  assert.equal(familiarTagged('docker.io/library/alpine:3'), 'alpine:3');
  assert.equal(familiarTagged(`reg.io/x@sha256:${'a'.repeat(64)}`), `reg.io/x@sha256:${'a'.repeat(64)}`);
});

test('detach keys', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('a,ctrl-@,ctrl-[')], [97, 0, 27]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Unknown character/);
  assert.deepEqual(detachKeysOrDefault('ctrl-1'), Buffer.from([0x10, 0x11]));
  assert.deepEqual(detachKeysOrDefault('ctrl-a,x'), Buffer.from([0x01, 0x78]));
  const d = new EscapeDetector(Buffer.from([16, 17]));
  let r = d.feed(Buffer.from('ab\x10'));
  assert.equal(r.forward.toString(), 'ab');
  assert.equal(r.detached, false);
  r = d.feed(Buffer.from('x'));
  assert.equal(r.forward.toString(), '\x10x');
  r = d.feed(Buffer.from('\x10'));
  r = d.feed(Buffer.from('\x11rest'));
  assert.equal(r.detached, true);
  assert.equal(r.forward.length, 0);
});

test('ulimit, device, restart policy', () => {
  assert.deepEqual(parseUlimit('nofile=1024'), { Name: 'nofile', Soft: 1024, Hard: 1024 });
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit type: bogus/);
  assert.throws(() => parseUlimit('nofile=bad'), { message: 'strconv.ParseInt: parsing "bad": invalid syntax' });
  assert.throws(() => parseUlimit('nofile=1:'), { message: 'strconv.ParseInt: parsing "": invalid syntax' });
  assert.throws(() => parseUlimit('nofile=99999999999999999999'), { message: 'strconv.ParseInt: parsing "99999999999999999999": value out of range' });
  assert.deepEqual(parseUlimit('nofile=+5:6'), { Name: 'nofile', Soft: 5, Hard: 6 });
  assert.throws(() => parseUlimit('nofile=10:5'), /soft limit must be less than or equal to hard limit/);
  assert.deepEqual(parseDevice('/dev/sda:/dev/xvda:r'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'r' });
  assert.deepEqual(parseDevice('/dev/sda:rw'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rw' });
  assert.deepEqual(parseRestartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
  // The form only, as the docker CLI: the name and count are the daemon's to judge.
  assert.deepEqual(parseRestartPolicy('always:3'), { Name: 'always', MaximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('bogus'), { Name: 'bogus', MaximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy(':3'), { message: 'invalid restart policy format: no policy provided before colon' });
  assert.throws(() => parseRestartPolicy('on-failure:x'), { message: 'invalid restart policy format: maximum retry count must be an integer' });
});

test('--gpus as the docker CLI reads it (opts.GpuOpts)', () => {
  assert.deepEqual(parseGpuRequest('all'), { Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} });
  assert.deepEqual(parseGpuRequest('2'), { Driver: '', Count: 2, DeviceIDs: null, Capabilities: [['gpu']], Options: {} });
  // A quoted field keeps its commas; devices named mean no count.
  assert.deepEqual(parseGpuRequest('"device=0,1",capabilities=compute,driver=nvidia'), { Driver: 'nvidia', Count: 0, DeviceIDs: ['0', '1'], Capabilities: [['compute', 'gpu']], Options: {} });
  assert.deepEqual(parseGpuRequest('driver=x,"options=a=1,b"'), { Driver: 'x', Count: 1, DeviceIDs: null, Capabilities: [['gpu']], Options: { a: '1', b: '' } });
  assert.throws(() => parseGpuRequest('x'), { message: 'invalid count (x): value must be either "all" or an integer: invalid syntax' });
  assert.throws(() => parseGpuRequest('count=1,count=2'), { message: "gpu request key 'count' can be specified only once" });
  assert.throws(() => parseGpuRequest('bogus=1'), { message: "unexpected key 'bogus' in 'bogus=1'" });
});
