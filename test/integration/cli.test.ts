// The same user flows through both clients: the real docker CLI and berth. Scripts written for
// docker must work unchanged with berth, so outputs and exit codes are compared to docker's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDaemon, type RunResult, type TestDaemon } from './harness.js';

for (const cli of ['docker', 'berth'] as const) {
  describe(`${cli} CLI against berthd`, () => {
    let d: TestDaemon;
    let tmp: string;
    const run = (args: string[], input?: string): Promise<RunResult> => (cli === 'docker' ? d.docker(args, input) : d.berth(args, input));
    const ok = async (args: string[], input?: string) => {
      const r = await run(args, input);
      assert.equal(r.code, 0, `${cli} ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    before(async () => {
      d = await startDaemon(`cli-${cli}`);
      tmp = mkdtempSync(path.join(tmpdir(), `berth-cli-${cli}-`));
    });
    after(async () => {
      rmSync(tmp, { recursive: true, force: true });
      assert.deepEqual(await d.stop(), []);
    });

    it('version and info describe the berth server', async () => {
      const v = await ok(['version']);
      assert.match(v, /^Client:/m);
      assert.match(v, /^Server: berth$/m);
      assert.match(v, /API version:\s+1\.50/);
      assert.match(v, /crun:\s*\n\s+Version:\s+\d+\.\d+/);
      assert.equal((await ok(['version', '--format', '{{.Server.APIVersion}}'])).trim(), '1.50');
      const info = await ok(['info']);
      assert.match(info, /Storage Driver: overlay2/);
      assert.match(info, /Default Runtime: crun/);
      // The docker CLI's lines, in its order, even where berthd has nothing to fill in.
      assert.match(info, /^ Init Binary: .*\n containerd version: \n runc version: \n init version: \n/m);
      assert.match(info, /^ Insecure Registries:\n {2}127\.0\.0\.0\/8\n Live Restore Enabled: true$/m);
      assert.match(await ok(['info', '--format', '{{.Driver}} {{.CgroupVersion}}']), /^overlay2 1$/m);
    });

    it('run: -e, --env-file, -w, -u, --entrypoint, -h, -l, --name', async () => {
      const envFile = path.join(tmp, 'env');
      writeFileSync(envFile, '# comment\nFROM_FILE=yes\nEMPTY=\n');
      const out = await ok(['run', '--rm', '-e', 'A=1', '--env-file', envFile, '-w', '/tmp', '-u', 'nobody', '-h', 'named-host',
        'busybox', 'sh', '-c', 'echo $A $FROM_FILE $(pwd) $(id -un) $(hostname)']);
      assert.equal(out, '1 yes /tmp nobody named-host\n');
      // A missing env file is the CLI's error (node 20 would take --env-file for its own option
      // unless the launcher ends node's options with --).
      const noFile = await run(['run', '--rm', '--env-file', path.join(tmp, 'none'), 'busybox', 'true']);
      assert.equal(noFile.code, 125);
      assert.match(noFile.stderr, /open .*none: no such file or directory/);
      assert.equal(await ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']), 'from entrypoint\n');
      await ok(['run', '-d', '--name', 'labelled', '-l', 'team=core', 'busybox', 'sleep', '30']);
      assert.equal((await ok(['inspect', '-f', '{{index .Config.Labels "team"}} {{.State.Status}}', 'labelled'])).trim(), 'core running');
      await ok(['rm', '-f', 'labelled']);
    });

    it("bad options get the docker CLI's words and exit codes (28.2): parsed by the CLI, or the daemon's refusal", async () => {
      const cases: Array<[string[], number, string]> = [
        [['run', '--rm', '--sysctl', 'kernel.bad=1', 'busybox', 'true'], 125, `invalid argument "kernel.bad=1" for "--sysctl" flag: sysctl 'kernel.bad=1' is not allowed`],
        [['run', '--rm', '--security-opt', 'nope', 'busybox', 'true'], 125, `${cli}: Invalid --security-opt: "nope"`],
        [['run', '--rm', '--health-cmd', 'true', '--health-interval', '1x', 'busybox', 'true'], 125, 'invalid argument "1x" for "--health-interval" flag: time: unknown unit "x" in duration "1x"'],
        [['run', '--rm', '--ulimit', 'nofile=bad', 'busybox', 'true'], 125, 'invalid argument "nofile=bad" for "--ulimit" flag: strconv.ParseInt: parsing "bad": invalid syntax'],
        [['run', '--rm', '--cpus', '-1', 'busybox', 'true'], 125, `${cli}: Error response from daemon: Range of CPUs is from 0.01 to`],
        // A create's failure naming a missing file is 127, as a start's.
        [['run', '--rm', '--device', '/dev/nonexistent', 'busybox', 'true'], 127, `${cli}: Error response from daemon: error gathering device information while adding custom device "/dev/nonexistent": no such file or directory`],
        [['start', 'nonexistent'], 1, 'Error response from daemon: No such container: nonexistent\nError: failed to start containers: nonexistent'],
        [['tag', 'busybox', 'Bad:Tag'], 1, 'Error parsing reference: "Bad:Tag" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase'],
        // With --force an image that is not there is said, and is no failure.
        [['image', 'rm', '-f', 'nonexistent'], 0, 'Error response from daemon: No such image: nonexistent:latest'],
        [['run', '-d', '-a', 'stdout', 'busybox', 'true'], 1, 'conflicting options: cannot specify both --attach and --detach'],
        // Local paths are checked before the daemon is asked, and failures are in Go's words.
        [['save', '-o', '/nonexistent-dir/x.tar', 'busybox'], 1, 'failed to save image: invalid output path: stat /nonexistent-dir: no such file or directory'],
        [['export', '-o', '/nonexistent-dir/x.tar', 'nonexistent'], 1, 'failed to export container: invalid output path: stat /nonexistent-dir: no such file or directory'],
        [['load', '-i', '/nonexistent-file'], 1, 'open /nonexistent-file: no such file or directory'],
        [['import', '/nonexistent-file'], 1, 'open /nonexistent-file: no such file or directory'],
        [['cp', 'nonexistent:/x', '/nonexistent-dir/sub/f'], 1, 'invalid output path: directory "/nonexistent-dir/sub" does not exist'],
        // Restart policies: the CLI checks the form, the daemon the name and count (moby's words).
        [['run', '--rm', '--restart', 'bogus', 'busybox', 'true'], 125, `${cli}: conflicting options: cannot specify both --restart and --rm`],
        [['run', '-d', '--restart', 'always:3', 'busybox', 'true'], 125, `${cli}: Error response from daemon: invalid restart policy: maximum retry count can only be used with 'on-failure'`],
        [['run', '-d', '--restart', 'bogus', 'busybox', 'true'], 125, `${cli}: Error response from daemon: invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`],
        [['update', '--restart', ':3', 'nonexistent'], 1, 'invalid restart policy format: no policy provided before colon'],
        [['logs', '--since', 'bogus', 'lonely'], 1, 'invalid value for "since": failed to parse value as time or duration: "bogus"'],
        // A platform the CLI cannot read never reaches the daemon (which would find no such image, and pull).
        [['run', '--rm', '--platform', 'bogus', 'busybox', 'true'], 125, `${cli}: error parsing specified platform: "bogus": unknown operating system or architecture: invalid argument`],
        [['create', '--platform', 'linux/bo*gus', 'busybox'], 1, 'error parsing specified platform: "linux/bo*gus": wildcards not yet supported: invalid argument'],
        [['save', '--platform', 'bogus', 'busybox'], 1, 'invalid platform: "bogus": unknown operating system or architecture: invalid argument'],
        [['run', '--rm', '--uts', 'bogus', 'busybox', 'true'], 125, `${cli}: --uts: invalid UTS mode`],
        [['run', '--rm', '--pull', 'bogus', 'busybox', 'true'], 125, `${cli}: invalid pull option: 'bogus': must be one of "always", "missing" or "never"`],
        [['run', '--rm', '--memory-swappiness', '200', 'busybox', 'true'], 125, `${cli}: invalid value: 200. Valid memory swappiness range is 0-100`],
        // Detach keys are the daemon's to judge, and only matter with a terminal and stdin.
        [['run', '--rm', '--detach-keys', 'bogus', 'busybox', 'true'], 0, ''],
        // GPUs are asked of the daemon, which has no driver for them (dockerd's words without one).
        [['run', '--rm', '--gpus', 'all', 'busybox', 'true'], 125, `${cli}: Error response from daemon: could not select device driver "" with capabilities: [[gpu]]`],
      ];
      await ok(['create', '--name', 'lonely', 'busybox']);
      for (const [args, code, words] of cases) {
        const r = await run(args);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(r.stderr.includes(words), `${args.join(' ')}: ${r.stderr}`);
      }
      // A label that is not there: "" from docker's typed map, not "<no value>".
      assert.equal(await ok(['inspect', '-f', '{{index .Config.Labels "nope"}}|{{index .HostConfig.LogConfig.Config "nope"}}', 'lonely']), '|\n');
      await ok(['rm', 'lonely']);
      // An attach with a terminal and stdin is where bad detach keys are refused, in moby's words.
      await d.api('POST', '/containers/create?name=ttyone', { Image: 'busybox', Tty: true, OpenStdin: true });
      const badKeys = await d.api('POST', '/containers/ttyone/attach?stream=1&stdin=1&stdout=1&detachKeys=bogus');
      assert.equal(badKeys.status, 400, badKeys.text);
      assert.equal(badKeys.json<{ message: string }>().message, 'Invalid detach keys (bogus) provided');
      await d.api('DELETE', '/containers/ttyone');
      // And the daemon refuses it too, in containerd's words, for clients that send it anyway.
      const direct = await d.api('POST', '/containers/create?platform=bogus', { Image: 'busybox' });
      assert.equal(direct.status, 400);
      assert.equal(direct.json<{ message: string }>().message, '"bogus": unknown operating system or architecture: invalid argument');
      // build -q keeps its progress and shows it on stderr only when the build fails.
      const ctxDir = path.join(tmp, 'failing-build');
      mkdirSync(ctxDir);
      writeFileSync(path.join(ctxDir, 'Dockerfile'), 'FROM busybox\nRUN exit 3\n');
      const failed = await run(['build', '-q', ctxDir]);
      assert.equal(failed.code, 3, failed.stderr);
      assert.equal(failed.stdout, '');
      assert.match(failed.stderr, /^Sending build context to \w+ daemon +\d[\d.]*kB\r\r\nStep 1\/2 : FROM busybox\n/m);
      assert.match(failed.stderr, /Step 2\/2 : RUN exit 3\n ---> Running in [0-9a-f]{12}\n/);
      assert.match(failed.stderr, /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
      // What the docker CLI lets through: a sysctl it allows, a fraction of CPUs.
      assert.equal(await ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', '--cpus', '1/2', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us']), '1\n50000\n');
    });

    it('run: exit codes, a missing image, a bad flag', async () => {
      assert.equal((await run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 13'])).code, 13);
      const missing = await run(['run', '--rm', '127.0.0.1:9/none/such:tag', 'true']);
      assert.equal(missing.code, 125);
      assert.match(missing.stderr, /Unable to find image '127\.0\.0\.1:9\/none\/such:tag' locally/);
      const bad = await run(['run', '--no-such-flag', 'busybox']);
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, /unknown flag: --no-such-flag/);
      const notFound = await run(['run', '--rm', 'busybox', 'definitely-not-here']);
      assert.equal(notFound.code, 127);
    });

    it('run --memory/--cpus/--pids-limit/--tmpfs/-v reach the container', async () => {
      const vol = `${cli}-vol`;
      const out = await ok(['run', '--rm', '--memory', '32m', '--cpus', '0.5', '--pids-limit', '50', '--tmpfs', '/scratch', '-v', `${vol}:/data`,
        'busybox', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; grep -c " /scratch tmpfs" /proc/mounts; echo kept > /data/f']);
      assert.deepEqual(out.trim().split('\n'), [String(32 * 1024 * 1024), '50', '1']);
      assert.equal(await ok(['run', '--rm', '-v', `${vol}:/data:ro`, 'busybox', 'cat', '/data/f']), 'kept\n');
      await ok(['volume', 'rm', vol]);
    });

    it('create, start -a, wait, logs, ps -a --format, rm', async () => {
      const id = (await ok(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo started; exit 4'])).trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.match(await ok(['ps', '-a', '--filter', 'name=later', '--format', '{{.Names}}|{{.Status}}']), /^later\|Created$/m);
      const started = await run(['start', '-a', 'later']);
      assert.equal(started.code, 4);
      assert.equal(started.stdout, 'started\n');
      assert.equal((await ok(['wait', 'later'])).trim(), '4');
      assert.equal(await ok(['logs', 'later']), 'started\n');
      assert.match(await ok(['ps', '-a', '--filter', 'name=later', '--format', '{{.Status}}']), /^Exited \(4\) /);
      assert.equal((await ok(['rm', 'later'])).trim(), 'later');
    });

    it('start -a -i feeds stdin to a created container', async () => {
      await ok(['create', '-i', '--name', 'reader', 'busybox', 'sh', '-c', 'read x; echo "read $x"']);
      const r = await run(['start', '-a', '-i', 'reader'], 'hello\n');
      assert.equal(r.stdout, 'read hello\n');
      await ok(['rm', 'reader']);
    });

    it('exec, top, stats --no-stream, diff, cp, export, commit', async () => {
      await ok(['run', '-d', '--name', 'box', 'busybox', 'sh', '-c', 'echo data > /made; sleep 60']);
      assert.equal(await ok(['exec', 'box', 'cat', '/made']), 'data\n');
      assert.equal((await run(['exec', 'box', 'sh', '-c', 'exit 6'])).code, 6);
      assert.match(await ok(['top', 'box']), /sleep 60/);
      const stats = await ok(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'box']);
      assert.match(stats, /^box \d+$/m);
      assert.match(await ok(['diff', 'box']), /^A \/made$/m);
      writeFileSync(path.join(tmp, 'in.txt'), 'copied in\n');
      await ok(['cp', path.join(tmp, 'in.txt'), 'box:/in.txt']);
      assert.equal(await ok(['exec', 'box', 'cat', '/in.txt']), 'copied in\n');
      await ok(['cp', 'box:/made', path.join(tmp, 'out.txt')]);
      assert.equal(readFileSync(path.join(tmp, 'out.txt'), 'utf8'), 'data\n');
      await ok(['export', '-o', path.join(tmp, 'box.tar'), 'box']);
      assert.ok(readFileSync(path.join(tmp, 'box.tar')).includes(Buffer.from('made')));
      const img = (await ok(['commit', '-m', 'snap', '-c', 'CMD ["cat","/made"]', 'box', `snap-${cli}:1`])).trim();
      assert.match(img, /^sha256:[0-9a-f]{64}$/);
      assert.equal(await ok(['run', '--rm', `snap-${cli}:1`]), 'data\n');
      await ok(['rm', '-f', 'box']);
      await ok(['rmi', `snap-${cli}:1`]);
    });

    it('images, tag, history, save/load, import, rmi', async () => {
      assert.match(await ok(['images']), /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
      await ok(['tag', 'busybox', `copy-${cli}:v1`]);
      assert.equal((await ok(['images', '--format', '{{.Repository}}:{{.Tag}}', `copy-${cli}`])).trim(), `copy-${cli}:v1`);
      assert.match(await ok(['history', '-q', 'busybox']), /^[0-9a-f]{12}$/m);
      const before = (await ok(['image', 'inspect', '-f', '{{.Id}}', `copy-${cli}:v1`])).trim();
      const tar = path.join(tmp, 'img.tar');
      await ok(['save', '-o', tar, `copy-${cli}:v1`]);
      await ok(['rmi', `copy-${cli}:v1`]);
      assert.match(await ok(['load', '-i', tar]), new RegExp(`Loaded image: copy-${cli}:v1`));
      assert.equal((await ok(['image', 'inspect', '-f', '{{.Id}}', `copy-${cli}:v1`])).trim(), before);
      const rootfs = path.join(tmp, 'rootfs.tar');
      await ok(['export', '-o', rootfs, (await ok(['create', 'busybox'])).trim()]);
      const imported = (await ok(['import', '-c', 'CMD ["echo","imported"]', rootfs, `imp-${cli}:1`])).trim();
      assert.match(imported, /^sha256:/);
      assert.equal(await ok(['run', '--rm', `imp-${cli}:1`]), 'imported\n');
      await ok(['rmi', `copy-${cli}:v1`, `imp-${cli}:1`]);
      const gone = await run(['rmi', 'nope']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /No such image: nope:latest/);
      await ok(['container', 'prune', '-f']);
    });

    it('volume create/ls/inspect/rm with formats', async () => {
      const name = `v-${cli}`;
      assert.equal((await ok(['volume', 'create', '--label', 'k=v', name])).trim(), name);
      assert.ok((await ok(['volume', 'ls', '-q'])).split('\n').includes(name));
      assert.equal((await ok(['volume', 'ls', '--filter', 'label=k=v', '--format', '{{.Name}} {{.Driver}}'])).trim(), `${name} local`);
      assert.match(await ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', name]), new RegExp(`/volumes/${name}/_data`));
      assert.equal((await ok(['volume', 'rm', name])).trim(), name);
      const missing = await run(['volume', 'inspect', name]);
      assert.equal(missing.code, 1);
    });

    it('pause, unpause, restart, rename, kill -s', async () => {
      await ok(['run', '-d', '--name', 'cycle', 'busybox', 'sleep', '60']);
      await ok(['pause', 'cycle']);
      assert.equal((await ok(['inspect', '-f', '{{.State.Status}}', 'cycle'])).trim(), 'paused');
      await ok(['unpause', 'cycle']);
      await ok(['restart', '-t', '0', 'cycle']);
      await ok(['rename', 'cycle', 'cycled']);
      // The daemon's refusal, then the CLI's own line (docker's rename does both).
      const same = await run(['rename', 'cycled', 'cycled']);
      assert.equal(same.code, 1);
      assert.equal(same.stderr.trim(), 'Error response from daemon: Renaming a container with the same name as its current name\nError: failed to rename container named cycled');
      await ok(['kill', '-s', 'KILL', 'cycled']);
      assert.equal((await ok(['wait', 'cycled'])).trim(), '137');
      await ok(['rm', 'cycled']);
    });
  });
}
