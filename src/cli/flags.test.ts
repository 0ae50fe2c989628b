import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseFlags, parseGoInt, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { long: 'interactive', short: 'i', kind: 'bool', usage: '' },
  { long: 'tty', short: 't', kind: 'bool', usage: '' },
  { long: 'detach', short: 'd', kind: 'bool', usage: '' },
  { long: 'rm', kind: 'bool', usage: '' },
  { long: 'sig-proxy', kind: 'bool', usage: '', defaultBool: true },
  { long: 'name', kind: 'string', usage: '' },
  { long: 'publish', short: 'p', kind: 'list', usage: '' },
  { long: 'env', short: 'e', kind: 'list', usage: '' },
  { long: 'time', short: 't2', kind: 'int', usage: '' },
  { long: 'timeout', short: 's', kind: 'int', usage: '' },
];

test('clustered shorthands and attached values', () => {
  const r = parseFlags(specs, ['-it', '-p80:80', '-dp', '443:443', 'busybox'], { interspersed: false });
  assert.equal(r.flags.bool('interactive'), true);
  assert.equal(r.flags.bool('tty'), true);
  assert.equal(r.flags.bool('detach'), true);
  assert.deepEqual(r.flags.list('publish'), ['80:80', '443:443']);
  assert.deepEqual(r.args, ['busybox']);
});

test('long flags with = or a separate value; repeated lists keep order', () => {
  const r = parseFlags(specs, ['--name=web', '-e', 'A=1', '--env', 'B=2', '-e=C=3', '--rm', 'img']);
  assert.equal(r.flags.string('name'), 'web');
  assert.deepEqual(r.flags.list('env'), ['A=1', 'B=2', 'C=3']);
  assert.equal(r.flags.bool('rm'), true);
  assert.deepEqual(r.args, ['img']);
});

test('a value may itself start with a dash', () => {
  const r = parseFlags(specs, ['--name', '-x', '-e', '-y']);
  assert.equal(r.flags.string('name'), '-x');
  assert.deepEqual(r.flags.list('env'), ['-y']);
});

test('interspersed off: the first positional ends the flags', () => {
  const r = parseFlags(specs, ['-d', 'busybox', 'sh', '-c', 'echo hi', '--rm'], { interspersed: false });
  assert.deepEqual(r.args, ['busybox', 'sh', '-c', 'echo hi', '--rm']);
  assert.equal(r.flags.bool('rm'), false);
});

test('interspersed on: flags after positionals still count', () => {
  const r = parseFlags(specs, ['c1', '--rm', 'c2']);
  assert.deepEqual(r.args, ['c1', 'c2']);
  assert.equal(r.flags.bool('rm'), true);
});

test('-- ends the flags and is dropped; a lone - is positional', () => {
  const r = parseFlags(specs, ['--rm', '--', '-d', 'x']);
  assert.deepEqual(r.args, ['-d', 'x']);
  assert.equal(r.flags.bool('detach'), false);
  assert.deepEqual(parseFlags(specs, ['-', 'ctr:/tmp']).args, ['-', 'ctr:/tmp']);
});

test('bool flags take =false; defaults apply when absent', () => {
  const r = parseFlags(specs, ['--sig-proxy=false', '-d=false']);
  assert.equal(r.flags.bool('sig-proxy'), false);
  assert.equal(r.flags.bool('detach'), false);
  assert.equal(parseFlags(specs, []).flags.bool('sig-proxy'), true);
  assert.equal(parseFlags(specs, []).flags.changed('sig-proxy'), false);
});

test("pflag's error messages", () => {
  assert.throws(() => parseFlags(specs, ['--foo']), new FlagError('unknown flag: --foo'));
  assert.throws(() => parseFlags(specs, ['-x']), new FlagError("unknown shorthand flag: 'x' in -x"));
  assert.throws(() => parseFlags(specs, ['-ix']), new FlagError("unknown shorthand flag: 'x' in -x"));
  assert.throws(() => parseFlags(specs, ['--name']), new FlagError('flag needs an argument: --name'));
  assert.throws(() => parseFlags(specs, ['-p']), new FlagError("flag needs an argument: 'p' in -p"));
  assert.throws(() => parseFlags(specs, ['--rm=yes']), new FlagError('invalid argument "yes" for "--rm" flag: strconv.ParseBool: parsing "yes": invalid syntax'));
  assert.throws(() => parseFlags(specs, ['-s', 'abc']), new FlagError('invalid argument "abc" for "-s, --timeout" flag: strconv.ParseInt: parsing "abc": invalid syntax'));
  assert.throws(() => parseFlags(specs, ['---x']), new FlagError('bad flag syntax: ---x'));
});

test('--help and -h (when -h is free)', () => {
  assert.equal(parseFlags(specs, ['--help']).help, true);
  const h = parseFlags(specs, ['-h']);
  assert.equal(h.help, true);
  assert.equal(h.helpShorthand, true);
  const withHostname: FlagSpec[] = [{ long: 'hostname', short: 'h', kind: 'string', usage: '' }];
  const r = parseFlags(withHostname, ['-h', 'box']);
  assert.equal(r.help, false);
  assert.equal(r.flags.string('hostname'), 'box');
});

test('validators turn errors into pflag messages', () => {
  const v: FlagSpec[] = [{ long: 'memory', short: 'm', kind: 'string', usage: '', validate: () => { throw new Error("invalid size: 'xyz'"); } }];
  assert.throws(() => parseFlags(v, ['-m', 'xyz']), new FlagError(`invalid argument "xyz" for "-m, --memory" flag: invalid size: 'xyz'`));
});

test('Go integer syntax', () => {
  assert.equal(parseGoInt('10'), 10);
  assert.equal(parseGoInt('-5'), -5);
  assert.equal(parseGoInt('0x10'), 16);
  assert.equal(parseGoInt('010'), 8);
  assert.equal(parseGoInt('1_000'), 1000);
  assert.equal(parseGoInt('1.5'), undefined);
  assert.equal(parseGoInt(''), undefined);
});
