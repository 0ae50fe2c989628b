// Building images with the real docker CLI (classic builder, POST /build) and berth's own:
// every instruction checked by running and inspecting the built image, the cache (identical
// rebuild all hits with the same ID; a changed COPY source invalidates from that step only),
// .dockerignore, a failing RUN leaving nothing behind, a context on stdin.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep, startDaemon, type RunResult, type TestDaemon } from './harness.js';
import { ok, writeContext } from './build-context.js';

let d: TestDaemon;
let tmp: string;

const context = (name: string, files: Record<string, string>) => writeContext(tmp, name, files);

const run = (image: string, ...cmd: string[]) => ok(d.docker(['run', '--rm', image, ...cmd]), `run ${image} ${cmd.join(' ')}`);
const inspect = async (image: string, fmt: string) => (await ok(d.docker(['image', 'inspect', '-f', fmt, image]), 'inspect')).trim();

before(async () => {
  d = await startDaemon('build');
  tmp = await fs.mkdtemp(path.join(tmpdir(), 'berth-build-test-'));
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  assert.deepEqual(await d.stop(), []);
});

describe('docker build', () => {
  it('builds every instruction; the image runs with what the Dockerfile said', async () => {
    const dir = await context('all', {
      'Dockerfile': [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=busybox',
        'FROM ${BASE}',
        'ARG WHO=world',
        'ENV APP=/app GREETING="hello there"',
        'LABEL org.example.name="berth test" version=1',
        'WORKDIR $APP',
        'COPY --chown=1000:1001 --chmod=640 a.txt ./',
        'COPY dir/ /copied/',
        'COPY *.md /docs/',
        'ADD files.tar /unpacked/',
        'RUN echo "hi $WHO" > /from-run && \\',
        '    # a comment inside a continuation',
        '    chmod 700 /from-run',
        'RUN ["/bin/sh", "-c", "echo exec-form > /exec"]',
        'RUN <<EOF',
        'echo heredoc > /heredoc',
        'EOF',
        'SHELL ["/bin/sh", "-c"]',
        'USER 1000:1001',
        'EXPOSE 8080 53/udp',
        'VOLUME ["/data"]',
        'STOPSIGNAL SIGUSR1',
        'HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD true',
        'ONBUILD RUN echo child',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["cat /app/a.txt"]',
      ].join('\n'),
      'a.txt': 'from context\n',
      'dir/one': '1\n',
      'dir/sub/two': '2\n',
      'x.md': 'x\n',
      'y.md': 'y\n',
    });
    // A tar for ADD to unpack.
    await fs.mkdir(path.join(tmp, 'tarsrc'));
    await fs.writeFile(path.join(tmp, 'tarsrc', 'inside'), 'unpacked\n');
    const { spawnSync } = await import('node:child_process');
    spawnSync('tar', ['-cf', path.join(dir, 'files.tar'), '-C', path.join(tmp, 'tarsrc'), 'inside']);

    const out = await ok(d.docker(['build', '-t', 'all:1', '--build-arg', 'WHO=berth', dir]), 'build');
    assert.match(out, /Step 1\/21 : FROM \$\{BASE\}/);
    assert.match(out, /Step 10\/21 : RUN echo "hi \$WHO" > \/from-run &&     chmod 700 \/from-run/);
    assert.match(out, / ---> Running in [0-9a-f]{12}\n/);
    assert.match(out, /Successfully built [0-9a-f]{12}\nSuccessfully tagged all:1\n/);

    assert.equal(await run('all:1'), 'from context\n');
    assert.equal(await run('all:1', 'id -u; id -g; pwd; echo $APP $GREETING; stat -c "%a %u:%g" /app/a.txt'), '1000\n1001\n/app\n/app hello there\n640 1000:1001\n');
    const files = await ok(d.docker(['run', '--rm', '-u', '0', 'all:1', 'cat /from-run /exec /heredoc /copied/one /copied/sub/two /docs/x.md /docs/y.md /unpacked/inside; stat -c "%a %u" /from-run /copied/one']), 'files');
    assert.equal(files, 'hi berth\nexec-form\nheredoc\n1\n2\nx\ny\nunpacked\n700 0\n644 0\n');
    assert.equal(await inspect('all:1', '{{json .Config.Labels}}'), '{"org.example.name":"berth test","version":"1"}');
    assert.equal(await inspect('all:1', '{{json .Config.ExposedPorts}}'), '{"53/udp":{},"8080/tcp":{}}');
    assert.equal(await inspect('all:1', '{{json .Config.Volumes}}'), '{"/data":{}}');
    assert.equal(await inspect('all:1', '{{.Config.StopSignal}} {{.Config.User}} {{.Config.WorkingDir}}'), 'SIGUSR1 1000:1001 /app');
    assert.equal(await inspect('all:1', '{{json .Config.Healthcheck}}'), '{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Timeout":2000000000,"Retries":2}');
    assert.equal(await inspect('all:1', '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.OnBuild}}'), '["/bin/sh","-c"] ["cat /app/a.txt"] ["RUN echo child"]');
    const env = JSON.parse(await inspect('all:1', '{{json .Config.Env}}')) as string[];
    assert.deepEqual(env.filter((e) => !e.startsWith('PATH=')), ['APP=/app', 'GREETING=hello there']);

    // history: one row per instruction, metadata rows 0B, newest first.
    const hist = (await ok(d.docker(['history', '--no-trunc', '--format', '{{json .CreatedBy}}|{{.Size}}', 'all:1']), 'history')).trim().split('\n')
      .map((l) => `${JSON.parse(l.slice(0, l.lastIndexOf('|'))) as string}${l.slice(l.lastIndexOf('|'))}`);
    assert.equal(hist.length, 21);
    assert.match(hist[0]!, /#\(nop\) CMD \["cat \/app\/a.txt"\]\|0B/);
    assert.match(hist.find((h) => h.includes('echo "hi $WHO"'))!, /^\|1 WHO=berth \/bin\/sh -c echo "hi \$WHO"/);
    assert.doesNotMatch(hist.find((h) => h.includes('echo "hi $WHO"'))!, /\|0B$/);

    // An identical rebuild: every step from the cache, the same image ID.
    const id1 = await inspect('all:1', '{{.Id}}');
    const again = await ok(d.docker(['build', '-t', 'all:1', '--build-arg', 'WHO=berth', dir]), 'rebuild');
    assert.equal((again.match(/ ---> Using cache/g) ?? []).length, 20);
    assert.doesNotMatch(again, /Running in/);
    assert.equal(await inspect('all:1', '{{.Id}}'), id1);
  });

  it('a changed COPY source invalidates that step and the ones after, no earlier one', async () => {
    const dir = await context('cache', {
      'Dockerfile': 'FROM busybox\nRUN echo one > /one\nCOPY data /data\nRUN cat /data > /copy\nCMD ["cat", "/copy"]\n',
      'data': 'v1\n',
    });
    await ok(d.docker(['build', '-t', 'cache:1', dir]), 'build');
    await fs.utimes(path.join(dir, 'data'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const touched = await ok(d.docker(['build', '-t', 'cache:1', dir]), 'build after touch');
    assert.equal((touched.match(/Using cache/g) ?? []).length, 4, 'mtimes are not part of the key');
    await fs.writeFile(path.join(dir, 'data'), 'v2\n');
    const out = await ok(d.docker(['build', '-t', 'cache:2', dir]), 'build after change');
    const steps = out.split(/(?=Step \d+\/5)/).filter((s) => s.startsWith('Step'));
    assert.deepEqual(steps.map((s) => s.includes('Using cache')), [false, true, false, false, false]);
    assert.equal(await run('cache:2'), 'v2\n');
    assert.equal(await run('cache:1'), 'v1\n');
  });

  it('.dockerignore keeps files out of the image and out of the cache key', async () => {
    const dir = await context('ignore', {
      'Dockerfile': 'FROM busybox\nCOPY . /ctx\nRUN find /ctx -type f | sort > /list\nCMD ["cat", "/list"]\n',
      '.dockerignore': '*.log\nsecret/\n!secret/keep\n**/tmp-*\n',
      'app.txt': 'a\n',
      'debug.log': 'noise\n',
      'secret/key': 'k\n',
      'secret/keep': 'kept\n',
      'deep/er/tmp-x': 'x\n',
      'deep/er/real': 'r\n',
    });
    await ok(d.docker(['build', '-t', 'ign:1', dir]), 'build');
    assert.equal(await run('ign:1'), '/ctx/.dockerignore\n/ctx/Dockerfile\n/ctx/app.txt\n/ctx/deep/er/real\n/ctx/secret/keep\n');
    await fs.writeFile(path.join(dir, 'debug.log'), 'other noise\n');
    const out = await ok(d.docker(['build', '-t', 'ign:1', dir]), 'rebuild');
    assert.equal((out.match(/Using cache/g) ?? []).length, 3);
    // The raw API applies .dockerignore too (a tar sent without the CLI's filtering).
    const r = await d.berth(['build', '-q', '-'], await tarOf(dir));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await run(r.stdout.trim()), '/ctx/.dockerignore\n/ctx/Dockerfile\n/ctx/app.txt\n/ctx/deep/er/real\n/ctx/secret/keep\n');
  });

  it('a large context streams to disk: berthd does not hold it in memory', async () => {
    const dir = await context('large', { Dockerfile: 'FROM busybox\nCOPY small /small\nCMD ["cat", "/small"]\n', small: 'small\n' });
    await fs.truncate(path.join(dir, 'large.bin'), 0).catch(() => undefined);
    await fs.writeFile(path.join(dir, 'large.bin'), '');
    await fs.truncate(path.join(dir, 'large.bin'), 384 * 1024 * 1024);
    const hwm = async () => Number(/VmHWM:\s+(\d+)/.exec(await fs.readFile(`/proc/${d.proc!.pid}/status`, 'utf8'))![1]) * 1024;
    const before = await hwm();
    await ok(d.docker(['build', '-t', 'large:1', dir]), 'build');
    const grew = (await hwm()) - before;
    assert.ok(grew < 96 * 1024 * 1024, `berthd's peak RSS grew by ${Math.round(grew / 1048576)} MiB for a 384 MiB context`);
    assert.equal(await run('large:1'), 'small\n');
    await fs.rm(path.join(dir, 'large.bin'));
  });

  it('COPY from a heredoc; ADD of a gzip tar; a symlink inside a copied directory stays a link', async () => {
    const dir = await context('heredoc', {
      Dockerfile: 'FROM busybox\nARG WHO=world\nCOPY <<EOF /etc/greeting\nhello $WHO ${WHO}\nEOF\nCOPY <<"EOT" /etc/literal\nkept $WHO\nEOT\nADD data.tgz /opt/\nCOPY linkdir /linkdir\nCMD ["sh", "-c", "cat /etc/greeting /etc/literal /opt/inside; readlink /linkdir/link"]\n',
    });
    await fs.mkdir(path.join(tmp, 'tgz'));
    await fs.writeFile(path.join(tmp, 'tgz', 'inside'), 'gz\n');
    const { spawnSync } = await import('node:child_process');
    spawnSync('tar', ['-czf', path.join(dir, 'data.tgz'), '-C', path.join(tmp, 'tgz'), 'inside']);
    await fs.mkdir(path.join(dir, 'linkdir'));
    await fs.symlink('/etc/greeting', path.join(dir, 'linkdir', 'link'));
    await ok(d.docker(['build', '-t', 'heredoc:1', dir]), 'build');
    assert.equal(await run('heredoc:1'), 'hello world world\nkept $WHO\ngz\n/etc/greeting\n');
  });

  it('a failing RUN stops the build with its exit code and leaves no container or mount', async () => {
    const dir = await context('fail', { Dockerfile: 'FROM busybox\nRUN echo before-failing\nRUN echo oops >&2; exit 3\nRUN echo never\n' });
    const r = await d.docker(['build', dir]);
    // The CLI exits with the step's code, which dockerd sends as errorDetail.code.
    assert.equal(r.code, 3);
    assert.match(r.stdout, /before-failing/);
    // A step's stderr comes back between the classic builder's red escapes.
    assert.match(r.stdout + r.stderr, /\x1b\[91moops\n\x1b\[0m/);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo oops >&2; exit 3' returned a non-zero code: 3/);
    assert.doesNotMatch(r.stdout, /never/);
    // -q: the step output comes only now that the build failed, then the error and its code, as
    // dockerd (it was a bare 500, and the CLI exited 1).
    const quiet = await d.docker(['build', '-q', dir]);
    assert.equal(quiet.code, 3);
    // (The CLI prints what a quiet build held back to stderr, as against dockerd.)
    assert.match(quiet.stderr, /Step 2\/4 : RUN echo before-failing\n ---> Using cache\n[^]*Step 3\/4 : RUN echo oops >&2; exit 3\n[^]*oops\n/);
    assert.match(quiet.stderr, /The command '\/bin\/sh -c echo oops >&2; exit 3' returned a non-zero code: 3/);
    const good = await context('quiet-ok', { Dockerfile: 'FROM busybox\nRUN echo hidden\n' });
    const ok1 = await d.docker(['build', '-q', good]);
    assert.equal(ok1.code, 0, ok1.stderr);
    assert.match(ok1.stdout, /^sha256:[0-9a-f]{64}\n$/);
    await ok(d.docker(['rmi', ok1.stdout.trim()]), 'rmi');
    assert.equal((await ok(d.docker(['ps', '-aq']), 'ps')).trim(), '');
    // The daemon's read-only view of crun (runtime-views) and its exec root's tmpfs live as long
    // as berthd; the harness's stop() checks they go then.
    const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n')
      .filter((l) => l.includes(d.root) && !l.includes('/runtime-views/') && l.split(' ')[4] !== d.execRoot);
    assert.deepEqual(mounts, []);
    // With --rm=false the failed step's container stays (docker's debugging aid).
    const kept = await d.berth(['build', '--rm=false', dir]);
    assert.equal(kept.code, 3);
    assert.equal((await ok(d.docker(['ps', '-aq']), 'ps')).trim().split('\n').length, 1);
    await ok(d.docker(['container', 'prune', '-f']), 'prune');
  });

  it('image prune and rmi beside a build keep its base and step images until it ends (found by racing them)', async () => {
    // Each step's image is dangling until the next step's is made: a prune between two steps
    // took it, and the next step failed "No such image" (as with dockerd's classic builder).
    // A base of its own (one name): an rmi of one of several names would only untag it.
    await ok(d.docker(['build', '-q', '-t', 'pinbase:1', await context('pinbase', { Dockerfile: 'FROM busybox\nLABEL pinbase=1\n' })]), 'base');
    const steps = Array.from({ length: 25 }, (_, i) => `ENV V${i}=${i}\nCOPY f.txt /f${i}`);
    const dir = await context('pinned', { Dockerfile: `FROM pinbase:1\n${steps.join('\n')}\nRUN cat /f24 > /done\n`, 'f.txt': 'x\n' });
    let building = true;
    let prunes = 0;
    const rmis: string[] = [];
    const pruner = (async () => {
      while (building) {
        assert.equal((await d.api('POST', '/images/prune')).status, 200);
        prunes++;
      }
    })();
    const build = d.docker(['build', '--no-cache', '-t', 'pinned:1', dir]).finally(() => (building = false));
    // Once the build has its base (its first step's image is there), an rmi of the base is
    // refused: a build in progress uses it.
    const base = (await d.api('GET', '/images/pinbase:1/json')).json().Id as string;
    const remover = (async () => {
      while (building) {
        const all = (await d.api('GET', '/images/json?all=1')).json<Array<{ ParentId: string }>>();
        if (all.some((i) => i.ParentId === base)) {
          const r = await d.api('DELETE', '/images/pinbase:1');
          rmis.push(`${r.status} ${r.text}`);
          break;
        }
        await sleep(2);
      }
    })();
    const r = await build;
    await Promise.all([pruner, remover]);
    assert.equal(r.code, 0, `the build failed beside ${prunes} prunes: ${r.stdout}\n${r.stderr}`);
    assert.ok(prunes > 10, `only ${prunes} prunes ran during the build`);
    assert.match(rmis.at(-1) ?? '', /^409 .*a build in progress is using its referenced image/, rmis.join('\n'));
    assert.equal((await run('pinned:1', 'cat', '/done')).trim(), 'x');
    assert.equal((await d.api('DELETE', '/images/pinbase:1')).status, 200, 'the build over, the base can go');
    await ok(d.docker(['rmi', 'pinned:1']), 'rmi');
  });

  it('--add-host gives RUN steps /etc/hosts entries (docker CLI and berth)', async () => {
    const dir = await context('hosts', { Dockerfile: 'FROM busybox\nRUN ping -c1 -W1 extra.build.test\nRUN cp /etc/hosts /hosts-file\n' });
    await ok(d.docker(['build', '--add-host', 'extra.build.test:127.0.0.1', '-t', 'hosts:1', dir]), 'docker build --add-host');
    assert.match(await run('hosts:1', 'cat', '/hosts-file'), /^127\.0\.0\.1\textra\.build\.test$/m);
    await ok(d.berth(['build', '--no-cache', '--add-host', 'extra.build.test:127.0.0.2', '-t', 'hosts:2', dir]), 'berth build --add-host');
    assert.match(await run('hosts:2', 'cat', '/hosts-file'), /^127\.0\.0\.2\textra\.build\.test$/m);
    // Without the entry the name does not resolve and the RUN step fails.
    const bad = await d.berth(['build', '--no-cache', dir]);
    assert.notEqual(bad.code, 0);
    await ok(d.docker(['rmi', 'hosts:1', 'hosts:2']), 'rmi');
  });

  it('--memory, --memory-swap, --cpu-shares, --cpuset-cpus, --shm-size and --ulimit apply to RUN steps (docker CLI and berth), as the classic builder\'s', async () => {
    const dir = await context('limits', {
      Dockerfile: 'FROM busybox\nRUN { cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus; df -k /dev/shm | tail -1 | awk \'{print $2}\'; ulimit -n; } > /limits\n',
    });
    const want = [String(64 << 20), String(96 << 20), '512', '0', '131072', '512'];
    const flags = ['--memory', '64m', '--memory-swap', '96m', '--cpu-shares', '512', '--cpuset-cpus', '0', '--shm-size', '128m', '--ulimit', 'nofile=512:1024'];
    await ok(d.docker(['build', ...flags, '-t', 'limits:1', dir]), 'docker build with limits');
    assert.deepEqual((await run('limits:1', 'cat', '/limits')).trim().split('\n'), want);
    await ok(d.berth(['build', '--no-cache', ...flags, '-t', 'limits:2', dir]), 'berth build with limits');
    assert.deepEqual((await run('limits:2', 'cat', '/limits')).trim().split('\n'), want);
    // Checked as a container's are: the step's create refuses it, and the build fails with its words.
    const tooSmall = await d.docker(['build', '--no-cache', '--memory', '1k', dir]);
    assert.notEqual(tooSmall.code, 0);
    assert.match(tooSmall.stdout + tooSmall.stderr, /Minimum memory limit allowed is 6MB/);
    await ok(d.docker(['rmi', 'limits:1', 'limits:2']), 'rmi');
  });

  it('--squash and an isolation other than default are refused with dockerd\'s 400, not built otherwise than asked', async () => {
    const dir = await context('refused', { Dockerfile: 'FROM busybox\nRUN true\n' });
    const iso = await d.docker(['build', '--isolation', 'hyperv', dir]);
    assert.notEqual(iso.code, 0);
    assert.match(iso.stderr, /Unsupported isolation: "hyperv"/);
    const tar = execFileSync('tar', ['-C', dir, '-cf', '-', 'Dockerfile']);
    const squash = await d.api('POST', '/build?squash=1', tar, { 'Content-Type': 'application/x-tar' });
    assert.deepEqual([squash.status, squash.json().message], [400, 'squash is only supported with experimental mode']);
    const create = await d.api('POST', '/containers/create', { Image: 'busybox', HostConfig: { Isolation: 'hyperv' } });
    assert.deepEqual([create.status, create.json().message], [400, 'Invalid isolation: "hyperv" - linux only supports \'default\'']);
  });

  it('a base without PATH (scratch, busybox from a rootfs) gets the default one: ENV PATH=$PATH:/x extends it', async () => {
    assert.equal(await inspect('busybox', '{{json .Config.Env}}'), 'null', 'the test\'s busybox sets no PATH');
    const dir = await context('path', { Dockerfile: 'FROM busybox\nENV PATH=$PATH:/opt/bin\nRUN echo "$PATH" > /path-in-run\n' });
    await ok(d.docker(['build', '-t', 'path:1', dir]), 'docker build');
    const want = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/bin';
    // dockerd 20.10's image for the same Dockerfile has exactly this Env.
    assert.equal(await inspect('path:1', '{{json .Config.Env}}'), JSON.stringify([`PATH=${want}`]));
    assert.equal(await run('path:1', 'cat', '/path-in-run'), `${want}\n`);
    assert.equal(await run('path:1', 'sh', '-c', 'echo $PATH'), `${want}\n`);
    const scratch = await context('path-scratch', { Dockerfile: 'FROM scratch\nLABEL a=b\n' });
    await ok(d.docker(['build', '-t', 'path:2', scratch]), 'docker build scratch');
    assert.equal(await inspect('path:2', '{{json .Config.Env}}'), JSON.stringify(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']));
    await ok(d.docker(['rmi', 'path:1', 'path:2']), 'rmi');
  });

  it('--cache-from limits the cache to those images and their parents', async () => {
    const dir = await context('cachefrom', { Dockerfile: 'FROM busybox\nENV FOO=cachefrom\nRUN touch /baz\nRUN touch /bax\n' });
    await ok(d.docker(['build', '-t', 'cf:1', dir]), 'first build');
    const hits = (out: string) => out.split('\n').filter((l) => l.includes('Using cache')).length;
    assert.equal(hits(await ok(d.docker(['build', '--cache-from', 'cf:1', '-t', 'cf:2', dir]), 'from cf:1')), 3);
    assert.equal(hits(await ok(d.berth(['build', '--cache-from', 'nosuch:1', '-t', 'cf:3', dir]), 'from nothing')), 0);
    assert.equal(hits(await ok(d.docker(['build', '-t', 'cf:4', dir]), 'no --cache-from')), 3);
    await ok(d.docker(['rmi', 'cf:1', 'cf:2', 'cf:3', 'cf:4']), 'rmi');
  });

  it('names the Dockerfile line of a parse error', async () => {
    const dir = await context('parse', { Dockerfile: 'FROM busybox\nRUN true\nFOOBAR x\n' });
    const r = await d.docker(['build', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dockerfile parse error on line 3: unknown instruction: FOOBAR/);
    const berth = await d.berth(['build', dir]);
    assert.equal(berth.code, 1);
    assert.match(berth.stderr, /dockerfile parse error on line 3: unknown instruction: FOOBAR/);
  });

  it('-f - with a directory context: the Dockerfile from stdin, the files from the directory (docker CLI and berth)', async () => {
    // The docker CLI appends the Dockerfile and a .dockerignore to the context unpadded, with no
    // end blocks: "invalid tar archive: Unexpected end of data" before (dockerd's Go reader takes it).
    const dir = await context('stdin-df', { 'f.txt': 'from the context\n', '.dockerignore': 'secret\n', secret: 'no\n' });
    const df = 'FROM busybox\nCOPY . /ctx/\nCMD ["sh", "-c", "cat /ctx/f.txt; ls -A /ctx"]\n';
    for (const [cli, name] of [['docker', 'stdindf:docker'], ['berth', 'stdindf:berth']] as const) {
      const r = await (cli === 'docker' ? d.docker : d.berth).call(d, ['build', '-q', '-t', name, '-f', '-', dir], df);
      assert.equal(r.code, 0, `${cli}: ${r.stderr}`);
      assert.equal(await run(name), 'from the context\n.dockerignore\nf.txt\n', cli);
    }
  });

  it('-f as the docker CLI reads it: from the working directory, outside the context, missing (docker CLI and berth)', async () => {
    const dir = await context('f-paths', { 'app/Dockerfile': 'FROM busybox\nCOPY f.txt /\nCMD ["cat", "/f.txt"]\n', 'app/f.txt': 'in app\n' });
    const outside = path.join(tmp, 'outside.df');
    await fs.writeFile(outside, 'FROM busybox\nCOPY f.txt /\nCMD ["sh", "-c", "cat /f.txt; ls -A /"]\n');
    for (const cli of ['docker', 'berth'] as const) {
      const build = (args: string[]) => (cli === 'docker' ? d.docker : d.berth).call(d, ['build', '-q', ...args], undefined, undefined, dir);
      // Relative to the working directory, not to the context ("app/app/Dockerfile").
      const fromCwd = await build(['-t', `fcwd:${cli}`, '-f', 'app/Dockerfile', 'app']);
      assert.equal(fromCwd.code, 0, `${cli}: ${fromCwd.stderr}`);
      assert.equal(await run(`fcwd:${cli}`), 'in app\n', cli);
      // Outside the context: sent along with it (under a hidden name, berth refused it before).
      const out = await build(['-t', `fout:${cli}`, '-f', outside, 'app']);
      assert.equal(out.code, 0, `${cli}: ${out.stderr}`);
      assert.match(await run(`fout:${cli}`), /^in app\n.*\bf\.txt\b/s, cli);
      const missing = await build(['-f', 'app/nope/Dockerfile', 'app']);
      assert.equal(missing.code, 1, cli);
      assert.match(missing.stderr, new RegExp(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dir}/app/nope: no such file or directory`), cli);
    }
  });

  it('berth build: a Dockerfile alone on stdin, -f, --iidfile, -q, labels', async () => {
    const iid = path.join(tmp, 'iid');
    const r = await d.berth(['build', '-q', '--iidfile', iid, '--label', 'from=cli', '-t', 'stdin:1', '-'], 'FROM busybox\nRUN echo piped > /p\n');
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await fs.readFile(iid, 'utf8'), id);
    assert.equal(await inspect('stdin:1', '{{.Id}} {{index .Config.Labels "from"}}'), `${id} cli`);
    const dir = await context('named', { 'build/Other.df': 'FROM busybox\nCMD ["echo", "other"]\n' });
    const out = await ok(d.berth(['build', '-f', path.join(dir, 'build/Other.df'), '-t', 'named:1', dir]), 'berth build -f');
    assert.match(out, /^Sending build context to berth daemon/);
    assert.match(out, /Step 2\/2 : CMD \["echo", "other"\]\n ---> [0-9a-f]{12}\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged named:1\n$/);
    assert.equal(await run('named:1'), 'other\n');
  });
});

/** A plain tar of a directory, as a client that does not filter would send it. */
async function tarOf(dir: string): Promise<Buffer> {
  const { spawnSync } = await import('node:child_process');
  return spawnSync('tar', ['-cf', '-', '-C', dir, '.'], { maxBuffer: 1 << 26 }).stdout;
}
