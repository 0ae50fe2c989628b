// Builds across stages and time: multi-stage with COPY --from and --target (stages the target
// does not need are skipped), ONBUILD triggers in a child build, build args, ADD from a URL, the
// cache surviving a daemon restart and cleared by builder prune (system df shows it), a client
// hang-up stopping the running step, and berth's tag log and rollback.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { eventually, freePorts, startDaemon, type RunResult, type TestDaemon } from './harness.js';
import { ok, writeContext } from './build-context.js';

let d: TestDaemon;
let tmp: string;
let server: Server;
let port = 0;

const context = (name: string, files: Record<string, string>) => writeContext(tmp, name, files);

const run = (image: string, ...cmd: string[]) => ok(d.docker(['run', '--rm', image, ...cmd]), `run ${image}`);
const imageId = async (ref: string) => (await ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', ref]), 'inspect')).trim();

before(async () => {
  d = await startDaemon('build-stages');
  tmp = await fs.mkdtemp(path.join(tmpdir(), 'berth-build-stages-'));
  const met = new Set<string>();
  const waiting: Array<() => void> = [];
  server = createServer((req, res) => {
    const meet = /^\/meet\/(\w+)$/.exec(req.url ?? '');
    if (req.url === '/files/remote.txt') res.end('from the web\n');
    else if (meet) {
      // Answers once two stages have both arrived: stages run one after another never meet.
      met.add(meet[1]!);
      const answer = () => res.end(`met ${meet[1]}\n`);
      if (met.size >= 2) {
        answer();
        for (const w of waiting.splice(0)) w();
      } else {
        waiting.push(answer);
        setTimeout(() => {
          res.statusCode = 504;
          res.end();
        }, 20_000).unref();
      }
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

after(async () => {
  server.close();
  await fs.rm(tmp, { recursive: true, force: true });
  assert.deepEqual(await d.stop(), []);
});

describe('multi-stage builds', () => {
  it('COPY --from a stage and an image; --target builds only the stages it needs', async () => {
    const dir = await context('multi', {
      Dockerfile: [
        'FROM busybox AS base',
        'RUN echo base > /base',
        'FROM base AS builder',
        'RUN echo built > /artifact && chown 7:8 /artifact',
        'FROM busybox AS unused',
        'RUN echo unused-stage-ran && exit 9',
        'FROM scratch AS final',
        'COPY --from=builder /artifact /artifact',
        'COPY --from=busybox /bin/busybox /bin/busybox',
        'COPY --from=0 --chown=3:4 /base /base',
        'CMD ["/bin/busybox", "sh", "-c", "cat /artifact /base; /bin/busybox stat -c %u:%g /artifact /base"]',
        'FROM final AS debug',
        'ENV DEBUG=1',
      ].join('\n'),
    });
    const out = await ok(d.docker(['build', '--target', 'final', '-t', 'multi:final', dir]), 'build --target final');
    assert.doesNotMatch(out, /unused-stage-ran/);
    assert.doesNotMatch(out, /DEBUG/);
    assert.match(out, /Step 1\/9 : FROM busybox AS base/);
    assert.equal(await run('multi:final'), 'built\nbase\n7:8\n3:4\n');
    assert.equal((await ok(d.docker(['history', '-q', 'multi:final']), 'history')).trim().split('\n').length, 4);
    // The default target is the last stage; the unneeded "unused" stage is still skipped.
    const last = await ok(d.docker(['build', '-t', 'multi:debug', dir]), 'build');
    assert.doesNotMatch(last, /unused-stage-ran/);
    assert.equal((last.match(/Using cache/g) ?? []).length, 6);
    const bad = await d.docker(['build', '--target', 'nope', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /failed to reach build target nope in Dockerfile/);
  });

  it('independent stages run in parallel; their output shows one stage after another', async () => {
    const dir = await context('parallel', {
      Dockerfile: [
        'FROM busybox AS a',
        `RUN wget -q -O /a http://127.0.0.1:${port}/meet/a && cat /a`,
        'FROM busybox AS b',
        `RUN wget -q -O /b http://127.0.0.1:${port}/meet/b && cat /b`,
        'FROM busybox',
        'COPY --from=a /a /a',
        'COPY --from=b /b /b',
        'CMD ["cat", "/a", "/b"]',
      ].join('\n'),
    });
    const out = await ok(d.docker(['build', '--network', 'host', '-t', 'parallel:1', dir]), 'build');
    assert.equal(await run('parallel:1'), 'met a\nmet b\n');
    const steps = [...out.matchAll(/Step (\d+)\/8 :/g)].map((m) => Number(m[1]));
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(out.indexOf('met a') < out.indexOf('Step 3/8'), out);
  });

  it('ONBUILD triggers run in the child build, not in the parent', async () => {
    const parent = await context('onbuild-parent', { Dockerfile: 'FROM busybox\nONBUILD COPY hello /hello\nONBUILD RUN echo triggered > /trig\n' });
    await ok(d.docker(['build', '-t', 'onbuild:parent', parent]), 'parent');
    assert.equal(await run('onbuild:parent', 'sh', '-c', 'ls /hello /trig 2>&1 | wc -l; true'), '2\n');
    const child = await context('onbuild-child', { Dockerfile: 'FROM onbuild:parent\nCMD ["cat", "/hello", "/trig"]\n', hello: 'hi child\n' });
    const out = await ok(d.docker(['build', '-t', 'onbuild:child', child]), 'child');
    assert.match(out, /# Executing 2 build triggers/);
    assert.equal(await run('onbuild:child'), 'hi child\ntriggered\n');
    assert.equal((await ok(d.docker(['image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'onbuild:child']), 'inspect')).trim(), 'null');
  });

  it('build args: defaults, --build-arg, ARG before FROM, ENV over ARG, unused ones warned about', async () => {
    const dir = await context('args', {
      Dockerfile: [
        'ARG TAG=latest',
        'FROM busybox:${TAG}',
        'ARG TAG',
        'ARG A=default-a',
        'ARG B',
        'ENV B=from-env',
        'RUN echo "$TAG $A $B ${UNSET:-fallback} ${A:+alt}" > /args',
        'CMD ["cat", "/args"]',
      ].join('\n'),
    });
    const out = await ok(d.docker(['build', '-t', 'args:1', '--build-arg', 'B=from-arg', '--build-arg', 'EXTRA=1', dir]), 'build');
    assert.match(out, /\[Warning\] One or more build-args \[EXTRA\] were not consumed/);
    assert.equal(await run('args:1'), 'latest default-a from-env fallback alt\n');
    await ok(d.docker(['build', '-t', 'args:2', '--build-arg', 'A=given', dir]), 'build 2');
    assert.equal(await run('args:2'), 'latest given from-env fallback alt\n');
  });

  it('docker-compose build (docker-py\'s POST /build) with build args', async () => {
    const dir = await context('compose', {
      'app/Dockerfile': 'FROM busybox\nARG MSG=unset\nRUN echo $MSG > /msg\nCMD ["cat", "/msg"]\n',
      'docker-compose.yml': 'version: "3"\nservices:\n  app:\n    build:\n      context: ./app\n      args:\n        MSG: from-compose\n    image: composed:1\n',
    });
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('docker-compose', ['build'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_HOST: d.host } });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /Successfully tagged composed:1/);
    assert.equal(await run('composed:1'), 'from-compose\n');
  });

  it('docker-compose up recreates a changed service and keeps its image volume\'s data; down -v removes it', async () => {
    // docker-compose 1.29 reads the image's ContainerConfig.Volumes when it recreates a container,
    // which dockerd 25+ no longer answers (KeyError: 'ContainerConfig'); the classic builder's
    // container_config is where a VOLUME step is found.
    const dir = await context('compose-recreate', {
      'app/Dockerfile': 'FROM busybox\nVOLUME /keep\nCMD ["sleep", "600"]\n',
      'docker-compose.yml': 'version: "3.8"\nservices:\n  app:\n    build: ./app\n    image: recreated:1\n    environment: [V=1]\n',
    });
    const { spawnSync } = await import('node:child_process');
    const compose = (...args: string[]) => {
      const r = spawnSync('docker-compose', ['-p', 'recr', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_HOST: d.host } });
      assert.equal(r.status, 0, `docker-compose ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
      return r.stdout + r.stderr;
    };
    compose('up', '-d', '--build');
    const volumes = async () => (await ok(d.docker(['volume', 'ls', '-q']), 'volume ls')).split('\n').filter(Boolean);
    const before = await volumes();
    compose('exec', '-T', 'app', 'sh', '-c', 'echo kept > /keep/f');
    const yml = path.join(dir, 'docker-compose.yml');
    await fs.writeFile(yml, (await fs.readFile(yml, 'utf8')).replace('V=1', 'V=2'));
    assert.match(compose('up', '-d'), /Recreating recr_app_1 \.\.\. done/);
    assert.equal(compose('exec', '-T', 'app', 'sh', '-c', 'echo $V; cat /keep/f'), '2\nkept\n');
    assert.deepEqual(await volumes(), before);
    const [img] = JSON.parse(await ok(d.docker(['image', 'inspect', 'recreated:1']), 'inspect'));
    assert.deepEqual(img.ContainerConfig.Volumes, { '/keep': {} });
    compose('down', '-v');
    assert.deepEqual((await volumes()).filter((v) => before.includes(v)), []);
    await ok(d.docker(['rmi', 'recreated:1']), 'rmi');
  });

  it('ADD fetches a URL; an unreachable one fails with a clear message', async () => {
    const dir = await context('add-url', { Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/files/remote.txt /web/\nCMD ["cat", "/web/remote.txt"]\n` });
    await ok(d.docker(['build', '-t', 'addurl:1', dir]), 'build');
    assert.equal(await run('addurl:1'), 'from the web\n');
    // A port just found free, not a fixed one: other test daemons publish ports here meanwhile.
    const closed = await freePorts(1, '127.0.0.1');
    const bad = await context('add-bad', { Dockerfile: `FROM busybox\nADD http://127.0.0.1:${closed}/nothing /x\n` });
    const r = await d.docker(['build', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`ADD failed: error downloading http://127\\.0\\.0\\.1:${closed}/nothing: .*(ECONNREFUSED|refused)`));
  });
});

describe('a built image in a registry', () => {
  it('pushed to docker-registry and pulled back (skopeo) it is the same image', async () => {
    const dir = await context('pushed', { Dockerfile: 'FROM busybox\nRUN echo built > /built\nCOPY f /f\nCMD ["cat", "/built", "/f"]\n', f: 'file\n' });
    await ok(d.docker(['build', '-t', 'pushed:1', dir]), 'build');
    const id = await imageId('pushed:1');
    const regPort = await freePorts(1, '127.0.0.1');
    const root = path.join(tmp, 'registry');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}/data\nhttp:\n  addr: 127.0.0.1:${regPort}\n`);
    const reg = spawn('/usr/bin/docker-registry', ['serve', path.join(root, 'config.yml')], { stdio: 'ignore' });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${regPort}/v2/`)).status === 200, 10_000, 'docker-registry');
      const skopeo = async (args: string[]) => {
        const { spawnSync } = await import('node:child_process');
        const r = spawnSync('skopeo', args, { encoding: 'utf8', timeout: 120_000 });
        assert.equal(r.status, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
      };
      await ok(d.docker(['save', '-o', path.join(tmp, 'pushed.tar'), 'pushed:1']), 'save');
      await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${path.join(tmp, 'pushed.tar')}`, `docker://127.0.0.1:${regPort}/pushed:1`]);
      await skopeo(['copy', '--src-tls-verify=false', `docker://127.0.0.1:${regPort}/pushed:1`, `docker-archive:${path.join(tmp, 'pulled.tar')}:pulled:1`]);
      await ok(d.docker(['rmi', 'pushed:1']), 'rmi');
      await ok(d.docker(['load', '-i', path.join(tmp, 'pulled.tar')]), 'load');
      assert.equal(await imageId('pulled:1'), id);
      assert.equal(await run('pulled:1'), 'built\nfile\n');

      // berthd's own push and pull: the same image ID comes back.
      const remote = `127.0.0.1:${regPort}/built:2`;
      await ok(d.docker(['tag', 'pulled:1', remote]), 'tag');
      await ok(d.docker(['push', remote]), 'push');
      await ok(d.docker(['rmi', 'pulled:1', remote]), 'rmi');
      await ok(d.docker(['pull', remote]), 'pull');
      assert.equal(await imageId(remote), id);

      // FROM an image that is not here pulls it, as docker's builder does.
      await ok(d.docker(['rmi', remote]), 'rmi again');
      const child = await context('from-registry', { Dockerfile: `FROM ${remote}\nRUN cat /built /f > /both\nCMD ["cat", "/both"]\n` });
      await ok(d.docker(['build', '-t', 'child-of-pulled:1', child]), 'build from a registry image');
      assert.equal(await run('child-of-pulled:1'), 'built\nfile\n');
      assert.equal(await imageId(remote), id);
    } finally {
      const gone = new Promise((r) => reg.once('exit', r));
      reg.kill('SIGTERM');
      await gone;
    }
  });
});

describe('cache and tags over time', () => {
  it('the cache survives a restart; builder prune clears it; system df reports it', async () => {
    const dir = await context('persist', { Dockerfile: 'FROM busybox\nRUN echo cached > /c\nCMD ["cat", "/c"]\n' });
    await ok(d.docker(['build', '-t', 'persist:1', dir]), 'build');
    const df = await ok(d.docker(['system', 'df']), 'df');
    assert.match(df, /Build Cache\s+[1-9]\d*\s+0\s+\d/);
    await d.stopDaemon();
    await d.start();
    const again = await ok(d.docker(['build', '-t', 'persist:1', dir]), 'rebuild after restart');
    assert.equal((again.match(/Using cache/g) ?? []).length, 2);
    const pruned = await ok(d.berth(['builder', 'prune', '-f']), 'builder prune');
    assert.match(pruned, /Total reclaimed space:/);
    const cold = await ok(d.docker(['build', '-t', 'persist:1', dir]), 'build after prune');
    assert.doesNotMatch(cold, /Using cache/);
    assert.equal(await run('persist:1'), 'cached\n');
  });

  it('a client that hangs up stops the running step and leaves no container', async () => {
    const dir = await context('cancel', { Dockerfile: 'FROM busybox\nRUN echo started; sleep 60\n' });
    const { spawnSync } = await import('node:child_process');
    const tar = spawnSync('tar', ['-cf', '-', '-C', dir, '.']).stdout;
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: d.socket, method: 'POST', path: '/build', headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        res.on('data', (b: Buffer) => {
          if (b.toString().includes('{"stream":"started')) {
            req.destroy();
            resolve();
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
      req.end(tar);
      setTimeout(() => reject(new Error('the step never started')), 30_000);
    });
    await eventually(async () => (await ok(d.docker(['ps', '-aq']), 'ps')).trim() === '', 15_000, 'the step container to go');
  });

  it('image log lists what a tag named; rollback moves it back; prune keeps history unless --history', async () => {
    const dir = await context('rollback', { Dockerfile: 'FROM busybox\nCOPY v /v\nCMD ["cat", "/v"]\n', v: 'one\n' });
    await ok(d.docker(['build', '-t', 'rb:latest', dir]), 'build 1');
    const first = await imageId('rb:latest');
    await fs.writeFile(path.join(dir, 'v'), 'two\n');
    await ok(d.berth(['build', '-t', 'rb:latest', dir]), 'build 2');
    const second = await imageId('rb:latest');
    assert.notEqual(first, second);
    const log = (await ok(d.berth(['image', 'log', 'rb:latest']), 'log')).trim().split('\n');
    assert.match(log[0]!, /^IMAGE ID\s+WHEN\s+SOURCE/);
    assert.match(log[1]!, new RegExp(`^${second.slice(7, 19)}\\s+\\S+\\s+build\\s+current$`));
    assert.match(log[2]!, new RegExp(`^${first.slice(7, 19)}\\s+\\S+\\s+build$`));
    // The earlier image is untagged but kept (and runnable) through a prune.
    await ok(d.docker(['image', 'prune', '-f']), 'prune');
    assert.equal(await run(first), 'one\n');
    await ok(d.berth(['image', 'rollback', 'rb:latest']), 'rollback');
    assert.equal(await imageId('rb:latest'), first);
    assert.equal(await run('rb:latest'), 'one\n');
    await ok(d.berth(['image', 'rollback', 'rb:latest', '--to', second.slice(7, 19)]), 'rollback --to');
    assert.equal(await imageId('rb:latest'), second);
    const r = await d.berth(['image', 'rollback', 'nosuch:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No such image: nosuch:1|no earlier image/);
    // --history lets prune take the earlier image (its intermediate step images go with it).
    await ok(d.berth(['builder', 'prune', '-f']), 'builder prune');
    await ok(d.berth(['image', 'prune', '-f', '--history']), 'prune --history');
    assert.equal((await d.docker(['image', 'inspect', first])).code, 1);
    assert.equal(await run('rb:latest'), 'two\n');
  });
});
