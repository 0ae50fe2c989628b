import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostArchitecture, parsePlatform } from './platform.js';

test('platform specifiers as containerd reads them: aliases normalized, an OS or an architecture alone', () => {
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('Linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/aarch64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/armhf'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('linux/arm/6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('linux/i386'), { os: 'linux', architecture: '386' });
  // One word: an OS takes this machine's architecture; an architecture takes linux.
  assert.deepEqual(parsePlatform('linux'), { os: 'linux', architecture: hostArchitecture() });
  assert.deepEqual(parsePlatform('arm64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('arm'), { os: 'linux', architecture: 'arm' });
  assert.deepEqual(parsePlatform('windows(10.0.17763)/amd64'), { os: 'windows', architecture: 'amd64' });
  // Two or three parts are taken as given, known or not.
  assert.deepEqual(parsePlatform('plan9/bogus'), { os: 'plan9', architecture: 'bogus' });
});

test("specifiers containerd refuses, in its words", () => {
  const refused: Array<[string, string]> = [
    ['bogus', '"bogus": unknown operating system or architecture: invalid argument'],
    ['linux/bo*gus', '"linux/bo*gus": wildcards not yet supported: invalid argument'],
    ['linux/a/b/c', '"linux/a/b/c": cannot parse platform specifier: invalid argument'],
    ['linux/', '"" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument'],
    ['li.nux/amd64', '"li.nux" is an invalid OS component of "li.nux/amd64": OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\\\(([A-Za-z0-9_.-]*)\\\\))?$": invalid argument'],
  ];
  for (const [spec, words] of refused) assert.throws(() => parsePlatform(spec), { message: words }, spec);
});
