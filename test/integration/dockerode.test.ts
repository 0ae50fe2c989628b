// dockerode (docker-modem underneath), the Node.js Docker client, against berthd: its own
// request shapes (hijacked exec and attach streams it demultiplexes itself, build and pull
// progress it follows, archives as streams, events and stats as endless JSON streams).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import * as tarStream from 'tar-stream';
import { startDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;
let docker: Docker;

before(async () => {
  d = await startDaemon('dockerode');
  docker = new Docker({ socketPath: d.socket });
});

after(async () => {
  assert.deepEqual(await d.stop(), []);
});

const tarOf = (files: Record<string, string>): Readable => {
  const p = tarStream.pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name }, content);
  p.finalize();
  return p as unknown as Readable;
};

/** A multiplexed stream's stdout and stderr, split by docker-modem's own demuxer. */
async function demuxed(stream: NodeJS.ReadableStream): Promise<{ out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (b: Buffer) => (o += b.toString()));
  err.on('data', (b: Buffer) => (e += b.toString()));
  docker.modem.demuxStream(stream, out, err);
  await new Promise((resolve) => stream.on('end', resolve));
  return { out: o, err: e };
}

describe('dockerode against berthd', () => {
  it('run, wait and logs: stdout and stderr apart, the exit code', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    const attached = await c.attach({ stream: true, stdout: true, stderr: true });
    const output = demuxed(attached);
    await c.start();
    assert.deepEqual(await c.wait(), { StatusCode: 3, Error: null });
    assert.deepEqual(await output, { out: 'out\n', err: 'err\n' });
    const follow = await c.logs({ follow: true, stdout: true, stderr: true });
    assert.deepEqual(await demuxed(follow), { out: 'out\n', err: 'err\n' });
    await c.remove();
  });

  it('exec: output demultiplexed, stdin written to the hijacked stream, the exit code in inspect', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '60'] });
    await c.start();
    const ex = await c.exec({ Cmd: ['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 4'], AttachStdout: true, AttachStderr: true });
    assert.deepEqual(await demuxed(await ex.start({ hijack: true, stdin: false })), { out: 'exec-out\n', err: 'exec-err\n' });
    assert.equal((await ex.inspect()).ExitCode, 4);
    const cat = await c.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const s = await cat.start({ hijack: true, stdin: true });
    const output = demuxed(s);
    s.write('through stdin\n');
    s.end();
    assert.deepEqual(await output, { out: 'through stdin\n', err: '' });
    const wait = c.wait({ condition: 'next-exit' });
    await c.stop({ t: 0 });
    assert.equal((await wait).StatusCode, 137);
    await c.remove();
  });

  it('buildImage with followProgress: the image and its ID; a failing step is the error of the last message', async () => {
    const stream = await docker.buildImage(tarOf({ Dockerfile: 'FROM busybox\nRUN echo built > /b\nCMD ["cat", "/b"]\n' }), { t: 'dode-built:1' });
    const messages = await new Promise<Array<{ stream?: string; aux?: { ID: string } }>>((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null, r: Array<{ stream?: string; aux?: { ID: string } }>) => (e ? reject(e) : resolve(r))));
    const id = messages.find((m) => m.aux)?.aux?.ID;
    assert.equal(id, (await docker.getImage('dode-built:1').inspect()).Id);
    assert.match(messages.map((m) => m.stream ?? '').join(''), /Successfully tagged dode-built:1/);
    const failing = await docker.buildImage(tarOf({ Dockerfile: 'FROM busybox\nRUN exit 7\n' }), { t: 'dode-bad:1' });
    const last = await new Promise<{ error?: string }>((resolve) => docker.modem.followProgress(failing, (_e: Error | null, r: Array<{ error?: string }>) => resolve(r.at(-1) ?? {})));
    assert.equal(last.error, "The command '/bin/sh -c exit 7' returned a non-zero code: 7");
    const [res, c] = await docker.run('dode-built:1', [], new PassThrough(), { Tty: false }) as [{ StatusCode: number }, Docker.Container];
    assert.equal(res.StatusCode, 0);
    assert.equal((await c.logs({ stdout: true })).subarray(8).toString(), 'built\n');
    await c.remove();
    await docker.getImage('dode-built:1').remove();
  });

  it('putArchive, getArchive and infoArchive', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['cat', '/in/put.txt'] });
    await c.putArchive(tarOf({ 'in/put.txt': 'put-content\n' }), { path: '/' });
    const info = await c.infoArchive({ path: '/in/put.txt' }) as { headers: Record<string, string> };
    assert.equal(JSON.parse(Buffer.from(info.headers['x-docker-container-path-stat']!, 'base64').toString()).size, 12);
    const archive = await c.getArchive({ path: '/in/put.txt' });
    const extract = tarStream.extract();
    const files: Record<string, string> = {};
    extract.on('entry', (h, s, next) => {
      let body = '';
      s.on('data', (b: unknown) => (body += String(b)));
      s.on('end', () => {
        files[h.name] = body;
        next();
      });
    });
    archive.pipe(extract);
    await new Promise<void>((resolve) => extract.on('finish', () => resolve()));
    assert.deepEqual(files, { 'put.txt': 'put-content\n' });
    await c.start();
    await c.wait();
    assert.equal((await c.logs({ stdout: true })).subarray(8).toString(), 'put-content\n');
    await c.remove();
  });

  it('events and stats stream; networks, volumes, commit and history', async () => {
    const events = await docker.getEvents({ filters: { type: ['container'], event: ['create'] } });
    const created = new Promise<string>((resolve) => events.once('data', (b: Buffer) => resolve((JSON.parse(b.toString()) as { Actor: { Attributes: { name: string } } }).Actor.Attributes.name)));
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo x > /made; sleep 60'], name: 'dode-ev' });
    assert.equal(await created, 'dode-ev');
    (events as unknown as Readable).destroy();
    await c.start();
    const stats = await c.stats({ stream: true }) as unknown as Readable;
    const samples = await new Promise<Array<{ memory_stats: { usage: number } }>>((resolve) => {
      const got: Array<{ memory_stats: { usage: number } }> = [];
      stats.on('data', (b: Buffer) => {
        got.push(JSON.parse(b.toString()) as { memory_stats: { usage: number } });
        if (got.length === 2) resolve(got);
      });
    });
    stats.destroy();
    assert.ok(samples[1]!.memory_stats.usage > 0);
    const net = await docker.createNetwork({ Name: 'dode-net' });
    await net.connect({ Container: c.id, EndpointConfig: { Aliases: ['dode-alias'] } });
    assert.deepEqual(Object.keys((await net.inspect() as { Containers: Record<string, unknown> }).Containers), [c.id]);
    await net.disconnect({ Container: c.id });
    await net.remove();
    await docker.createVolume({ Name: 'dode-vol' });
    await docker.getVolume('dode-vol').remove();
    const committed = await c.commit({ repo: 'dode-commit', tag: '1' }) as { Id: string };
    assert.match(committed.Id, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await docker.getImage('dode-commit:1').history()).length, 2);
    await c.remove({ force: true });
    await docker.getImage('dode-commit:1').remove();
  });
});
