// Log drivers through the docker CLI: json-file in docker's on-disk format, rotation enforced
// while the container writes, reading across rotated (and compressed) files, local and none,
// the daemon's defaults, logs written while berthd is down, and `logs -f` latency.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { eventually, sleep, startDaemon, DOCKER, type TestDaemon } from './harness.js';

describe('logging drivers and rotation', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon('logging');
  });
  after(async () => {
    assert.deepEqual(await d.stop(), []);
  });

  const dir = (id: string) => path.join(d.dataRoot, 'containers', id);
  const inspect = async (ref: string) => JSON.parse(await d.dockerOk(['inspect', ref]))[0];

  it('defaults to json-file in docker\'s format at docker\'s path, rotated by default', async () => {
    assert.equal((await d.dockerOk(['info', '--format', '{{.LoggingDriver}}'])).trim(), 'json-file');
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'echo out; echo "err \\"q\\"" >&2; printf partial'])).trim();
    await d.dockerOk(['wait', id]);
    const c = await inspect(id);
    // As docker shows it (docker-py compares it); berth's built-in 20 MB × 5 rotation is not an option.
    assert.deepEqual(c.HostConfig.LogConfig, { Type: 'json-file', Config: {} });
    assert.equal(c.LogPath, path.join(dir(id), `${id}-json.log`));
    const lines = readFileSync(c.LogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const byStream = Object.fromEntries(lines.map((l) => [l.log, l.stream]));
    assert.deepEqual(byStream, { 'out\n': 'stdout', 'err "q"\n': 'stderr', partial: 'stdout' });
    for (const l of lines) assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const logs = await d.docker(['logs', id]);
    assert.equal(logs.stdout, 'out\npartial');
    assert.equal(logs.stderr, 'err "q"\n');
    // conmon's file is gone once copied.
    assert.ok(!existsSync(path.join(dir(id), 'conmon.log')));
    // docker's API client sends Type '' for "the default".
    const api = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { LogConfig: { Type: '', Config: {} } } });
    assert.equal(api.status, 201);
    assert.equal((await d.api('GET', `/containers/${api.json().Id}/json`)).json().HostConfig.LogConfig.Type, 'json-file');
  });

  it('labels and env log options put attrs in each line; logs --details shows them, as dockerd', async () => {
    const id = (await d.dockerOk(['run', '-d', '-l', 'app=web', '-l', 'other=x', '-e', 'STAGE=prod x', '--log-opt', 'labels=app', '--log-opt', 'env=STAGE', 'busybox', 'echo', 'one'])).trim();
    await d.dockerOk(['wait', id]);
    const [line] = readFileSync((await inspect(id)).LogPath, 'utf8').trim().split('\n');
    assert.match(line!, /^\{"log":"one\\n","stream":"stdout","attrs":\{"STAGE":"prod x","app":"web"\},"time":"[^"]+"\}$/);
    // dockerd 20.10's answers for the same container.
    assert.equal(await d.dockerOk(['logs', '--details', id]), 'STAGE=prod+x,app=web one\n');
    assert.match(await d.dockerOk(['logs', '--details', '-t', id]), /^\S+Z STAGE=prod\+x,app=web one\n$/);
    assert.equal(await d.dockerOk(['logs', id]), 'one\n');
    const plain = (await d.dockerOk(['run', '-d', 'busybox', 'echo', 'two'])).trim();
    await d.dockerOk(['wait', plain]);
    assert.equal(await d.dockerOk(['logs', '--details', plain]), ' two\n');
    await d.dockerOk(['rm', id, plain]);
  });

  it('--log-opt tag is a template of the container\'s names, written in attrs as dockerd\'s json-file does; one that does not parse is a 400', async () => {
    const id = (await d.dockerOk(['run', '-d', '--name', 'tagged', '--log-opt', 'tag={{.Name}}/{{.ID}}/{{.ImageName}}/{{.DaemonName}}', 'busybox', 'echo', 'one'])).trim();
    await d.dockerOk(['wait', id]);
    const tag = `tagged/${id.slice(0, 12)}/busybox/docker`;
    const [line] = readFileSync((await inspect(id)).LogPath, 'utf8').trim().split('\n');
    assert.equal(JSON.parse(line!).attrs.tag, tag);
    assert.equal(await d.dockerOk(['logs', '--details', id]), `tag=${encodeURIComponent(tag)} one\n`);
    await d.dockerOk(['rm', id]);
    const bad = await d.docker(['run', '--rm', '--log-opt', 'tag={{.Name', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /failed to initialize logging driver: template: .*unclosed action/);
  });

  it('refuses unknown drivers and options with 400', async () => {
    const bad = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { LogConfig: { Type: 'nosuch', Config: {} } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().message, "logger: no log driver named 'nosuch' is registered");
    const opt = await d.docker(['create', '--log-opt', 'max-sise=1k', 'busybox']);
    assert.notEqual(opt.code, 0);
    assert.match(opt.stderr, /unknown log opt 'max-sise' for json-file log driver/);
    const size = await d.docker(['create', '--log-opt', 'max-size=-1', 'busybox']);
    assert.notEqual(size.code, 0);
  });

  it('rotates while the container writes and reads across rotated files in order', async () => {
    // 3000 numbered lines of ~100 bytes (≈ 180 kB as JSON), then stays up.
    const script = 'i=0; while [ $i -lt 3000 ]; do printf "%05d %095d\\n" $i 0; i=$((i+1)); done; echo done; sleep 60';
    const id = (await d.dockerOk(['run', '-d', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', script])).trim();
    const c = await inspect(id);
    await eventually(async () => (await d.dockerOk(['logs', '--tail', '1', id])) === 'done\n', 20_000, 'all output copied');
    // While it still runs: at most three files, each about max-size.
    const files = readdirSync(dir(id)).filter((f) => f.startsWith(`${id}-json.log`)).sort();
    assert.deepEqual(files, [`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
    for (const f of files) assert.ok(statSync(path.join(dir(id), f)).size < 10_000 + 200, `${f} is ${statSync(path.join(dir(id), f)).size} bytes`);
    // What is kept is the newest output, contiguous and in order across the files.
    const out = (await d.dockerOk(['logs', id])).trim().split('\n');
    assert.equal(out.at(-1), 'done');
    const nums = out.slice(0, -1).map((l) => Number(l.slice(0, 5)));
    assert.ok(nums.length > 100 && nums.length < 400, `${nums.length} lines kept`);
    assert.equal(nums.at(-1), 2999);
    nums.forEach((n, i) => assert.equal(n, nums[0]! + i));
    const tail = (await d.dockerOk(['logs', '--tail', '3', id])).trim().split('\n');
    assert.deepEqual(tail.map((l) => l.slice(0, 5)), ['02998', '02999', 'done']);
    // --timestamps and --since/--until read through the same files.
    const stamped = (await d.dockerOk(['logs', '-t', '--tail', '1', id])).trim();
    assert.match(stamped, /^\d{4}-\d\d-\d\dT[\d:.]+Z done$/);
    const t = stamped.split(' ')[0]!;
    // (Lines conmon read in one go share their timestamp, so --since may bring a few more.)
    const since = (await d.dockerOk(['logs', '--since', t, id])).trim().split('\n');
    assert.equal(since.at(-1), 'done');
    assert.ok(since.length < 120, `${since.length} lines since ${t}`);
    assert.equal((await d.dockerOk(['logs', '--until', t, '--tail', '1', id])).trim(), 'done');
    assert.equal(c.LogPath, path.join(dir(id), `${id}-json.log`));
    await d.dockerOk(['rm', '-f', id]);
  });

  it('compresses rotated files with compress=true and still reads them', async () => {
    const script = 'i=0; while [ $i -lt 1000 ]; do printf "%05d %095d\\n" $i 0; i=$((i+1)); done';
    const id = (await d.dockerOk(['run', '-d', '--log-opt', 'max-size=20k', '--log-opt', 'max-file=4', '--log-opt', 'compress=true', 'busybox', 'sh', '-c', script])).trim();
    await d.dockerOk(['wait', id]);
    await eventually(() => existsSync(path.join(dir(id), `${id}-json.log.1.gz`)) && !existsSync(path.join(dir(id), `${id}-json.log.1`)), 5000, 'compressed');
    assert.ok(existsSync(path.join(dir(id), `${id}-json.log.3.gz`)));
    const nums = (await d.dockerOk(['logs', id])).trim().split('\n').map((l) => Number(l.slice(0, 5)));
    assert.equal(nums.at(-1), 999);
    nums.forEach((n, i) => assert.equal(n, nums[0]! + i));
  });

  it('local and none drivers', async () => {
    const local = (await d.dockerOk(['run', '-d', '--log-driver', 'local', 'busybox', 'sh', '-c', 'echo one; echo two >&2'])).trim();
    await d.dockerOk(['wait', local]);
    const lc = await inspect(local);
    assert.equal(lc.HostConfig.LogConfig.Type, 'local');
    assert.equal(lc.LogPath, path.join(dir(local), 'local-logs', 'container.log'));
    const r = await d.docker(['logs', local]);
    assert.deepEqual([r.stdout, r.stderr], ['one\n', 'two\n']);
    const none = (await d.dockerOk(['run', '-d', '--log-driver', 'none', 'busybox', 'echo', 'x'])).trim();
    await d.dockerOk(['wait', none]);
    const nr = await d.docker(['logs', none]);
    assert.notEqual(nr.code, 0);
    assert.match(nr.stderr, /configured logging driver does not support reading/);
    assert.equal((await inspect(none)).LogPath, '');
    assert.ok(!existsSync(path.join(dir(none), 'conmon.log')));
    // docker run (attached) still shows the output with the none driver.
    assert.equal(await d.dockerOk(['run', '--rm', '--log-driver', 'none', 'busybox', 'echo', 'attached']), 'attached\n');
  });

  it('logs -f sees a new line quickly and ends when the container exits', async (t) => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'read x < /dev/null; sleep 60'])).trim();
    const follower = spawn(DOCKER, ['-H', d.host, 'logs', '-f', id]);
    let out = '';
    follower.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const ended = new Promise<number | null>((r) => follower.on('exit', (code) => r(code)));
    await sleep(500);
    const t0 = Date.now();
    await d.dockerOk(['exec', id, 'sh', '-c', 'echo ping > /proc/1/fd/1']);
    const tExec = Date.now();
    await eventually(() => out === 'ping\n', 5000, 'line followed');
    const latency = Date.now() - tExec;
    t.diagnostic(`line followed ${latency} ms after the exec returned`);
    assert.ok(latency < 1000, `followed after ${latency} ms (exec took ${tExec - t0} ms)`);
    await d.dockerOk(['kill', id]);
    assert.equal(await ended, 0);
  });

  it('keeps what a container writes while berthd is down', async () => {
    const id = (await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'echo before; sleep 2; echo during; sleep 60'])).trim();
    await eventually(async () => (await d.dockerOk(['logs', id])) === 'before\n', 5000, 'first line');
    await d.crash();
    await sleep(2500);
    await d.start();
    await eventually(async () => (await d.dockerOk(['logs', id])) === 'before\nduring\n', 5000, 'line written while down');
    await d.dockerOk(['rm', '-f', id]);
  });

  it('berthd --log-driver/--log-opt set the defaults', async () => {
    await d.stopDaemon();
    (d.extraArgs as string[]).push('--log-opt', 'max-size=1m', '--log-opt', 'max-file=2');
    await d.start();
    const id = (await d.dockerOk(['create', 'busybox'])).trim();
    assert.deepEqual((await inspect(id)).HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } });
    const own = (await d.dockerOk(['create', '--log-opt', 'max-file=3', 'busybox'])).trim();
    assert.deepEqual((await inspect(own)).HostConfig.LogConfig.Config, { 'max-size': '1m', 'max-file': '3' });
  });
});
