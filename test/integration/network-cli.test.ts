// Network flows through both clients, the real docker CLI and berth, against berthd: user
// networks with IPAM options, DNS by name and alias, connect/disconnect, published ports and
// `port`, rm/prune and their errors. Outputs and exit codes must be docker's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type RunResult, type TestDaemon } from './harness.js';
import { freePorts } from './harness.js';


const escape = (s: string): string => s.replace(/\./g, '\\.');

for (const cli of ['docker', 'berth'] as const) {
  describe(`${cli} network commands against berthd`, () => {
    let d: TestDaemon;
    // The top /24s of the daemon's own /20 (the pool hands out the low ones first).
    const subnet = (n: 1 | 2): string => {
      const [a, b, c] = d.net.bridgeNet.split('.') as [string, string, string];
      return `${a}.${b}.${Number(c) + 13 + n}.0/24`;
    };
    const addr = (n: 1 | 2, host: number): string => subnet(n).replace(/\.0\/24$/, `.${host}`);
    const net = `net-${cli}`;
    const run = (args: string[], input?: string): Promise<RunResult> => (cli === 'docker' ? d.docker(args, input) : d.berth(args, input));
    const ok = async (args: string[], input?: string): Promise<string> => {
      const r = await run(args, input);
      assert.equal(r.code, 0, `${cli} ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const fails = async (args: string[], stderr: RegExp, code = 1): Promise<RunResult> => {
      const r = await run(args);
      assert.equal(r.code, code, `${cli} ${args.join(' ')} should fail: ${r.stdout}`);
      assert.match(r.stderr, stderr);
      return r;
    };

    before(async () => {
      d = await startDaemon(`netcli-${cli}`);
    });
    after(async () => {
      assert.deepEqual(await d.stop(), []);
    });

    it('ls shows the predefined networks', async () => {
      const table = await ok(['network', 'ls']);
      assert.match(table, /^NETWORK ID {5}NAME {6}DRIVER {4}SCOPE$/m);
      const rows = (await ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])).trim().split('\n');
      for (const row of ['bridge bridge local', 'host host local', 'none null local']) assert.ok(rows.includes(row), `${row} in ${rows.join(', ')}`);
      assert.match(await ok(['network', 'ls', '-q']), /^[0-9a-f]{12}$/m);
      assert.match(await ok(['network', 'ls', '-q', '--no-trunc']), /^[0-9a-f]{64}$/m);
    });

    it('create with IPAM options and labels; inspect; ls filters', async () => {
      const id = (await ok(['network', 'create', '--subnet', subnet(1), '--gateway', addr(1, 1), '--label', 'team=core', net])).trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.equal(
        (await ok(['network', 'inspect', '-f', '{{.Id}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}}', net])).trim(),
        `${id} bridge ${subnet(1)} ${addr(1, 1)} core`,
      );
      const inspected = JSON.parse(await ok(['network', 'inspect', net])) as Array<{ Name: string; Id: string }>;
      assert.equal(inspected.length, 1);
      assert.equal(inspected[0]?.Name, net);
      assert.equal((await ok(['network', 'ls', '-q', '--filter', `name=${net}`])).trim(), id.slice(0, 12));
      assert.equal((await ok(['network', 'ls', '--filter', 'label=team=core', '--format', '{{.Name}}'])).trim(), net);
      assert.ok((await ok(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'])).split('\n').includes(net));
      assert.ok(!(await ok(['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}}'])).split('\n').includes(net));
      await fails(['network', 'create', net], new RegExp(`network with name ${net} already exists`));
      await fails(['network', 'create', '--subnet', '10.0.0.0/8', '--gateway', '192.168.0.1', 'other'], /no matching subnet for gateway 192\.168\.0\.1/);
      await fails(['network', 'inspect', 'no-such-net'], /network no-such-net not found/);
    });

    it('containers on a user network find each other by name and alias', async () => {
      await ok(['run', '-d', '--name', `srv-${cli}`, '--network', net, '--network-alias', 'db', 'busybox', 'sleep', '60']);
      const ip = (await ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, `srv-${cli}`])).trim();
      assert.match(ip, new RegExp(`^${escape(subnet(1).replace(/0\/24$/, ''))}\\d+$`));
      for (const name of [`srv-${cli}`, 'db']) {
        const out = await ok(['run', '--rm', '--network', net, 'busybox', 'ping', '-c', '1', '-W', '2', name]);
        assert.match(out, new RegExp(`\\(${escape(ip)}\\)`));
      }
      assert.match(
        await ok(['network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}', net]),
        new RegExp(`^srv-${cli} ${escape(ip)}/24$`, 'm'),
      );
    });

    it('connect and disconnect a running container', async () => {
      const other = `${net}-2`;
      await ok(['network', 'create', '--subnet', subnet(2), other]);
      await ok(['network', 'connect', '--alias', 'second', '--ip', addr(2, 77), other, `srv-${cli}`]);
      assert.equal(
        (await ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${other}").IPAddress}} {{(index .NetworkSettings.Networks "${other}").Aliases}}`, `srv-${cli}`])).trim(),
        `${addr(2, 77)} [second]`,
      );
      assert.match(await ok(['exec', `srv-${cli}`, 'ip', '-4', 'addr']), new RegExp(`inet ${escape(addr(2, 77))}/24`));
      assert.match(await ok(['run', '--rm', '--network', other, 'busybox', 'ping', '-c', '1', '-W', '2', 'second']), new RegExp(`\\(${escape(addr(2, 77))}\\)`));
      await fails(['network', 'connect', other, `srv-${cli}`], /already exists in network|is already attached/);
      await fails(['network', 'rm', other], /has active endpoints/);
      await ok(['network', 'disconnect', other, `srv-${cli}`]);
      assert.doesNotMatch(await ok(['exec', `srv-${cli}`, 'ip', '-4', 'addr']), new RegExp(`inet ${escape(addr(2, 77))}/`));
      await fails(['network', 'disconnect', other, `srv-${cli}`], /is not connected to (the )?network/);
      assert.equal((await ok(['network', 'rm', other])).trim(), other);
    });

    it('-p publishes, port lists the mappings', async () => {
      const hostPort = await freePorts();
      await ok(['run', '-d', '--name', `web-${cli}`, '-p', `${hostPort}:80`, '-p', '127.0.0.1::53/udp', 'busybox', 'httpd', '-f', '-p', '80']);
      const all = await ok(['port', `web-${cli}`]);
      assert.match(all, new RegExp(`^80/tcp -> 0\\.0\\.0\\.0:${hostPort}$`, 'm'));
      assert.match(all, /^53\/udp -> 127\.0\.0\.1:\d+$/m);
      assert.match(await ok(['port', `web-${cli}`, '80']), new RegExp(`^0\\.0\\.0\\.0:${hostPort}$`, 'm'));
      const none = await fails(['port', `web-${cli}`, '81'], new RegExp(`^Error: No public port '81' published for web-${cli}\\n$`));
      assert.equal(none.stdout, '');
      await fails(['port', `web-${cli}`, 'abc'], /invalid port \(abc\)/);
      assert.match(await ok(['ps', '--filter', `name=web-${cli}`, '--format', '{{.Ports}}']), new RegExp(`0\\.0\\.0\\.0:${hostPort}->80/tcp`));
      await ok(['rm', '-f', `web-${cli}`]);
    });

    it('rm in use, rm missing, rm -f, prune', async () => {
      await fails(['network', 'rm', net], /has active endpoints/);
      const r = await run(['network', 'rm', 'no-such-net', net]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /network no-such-net not found/);
      assert.equal((await ok(['network', 'rm', '-f', 'no-such-net'])).trim(), '');
      await ok(['rm', '-f', `srv-${cli}`]);
      await ok(['network', 'create', `${net}-unused`]);
      const pruned = await ok(['network', 'prune'], 'y\n');
      assert.match(pruned, /Are you sure you want to continue\? \[y\/N\] Deleted Networks:\n/);
      for (const n of [net, `${net}-unused`]) assert.match(pruned, new RegExp(`^${n}$`, 'm'));
      const left = (await ok(['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n').sort();
      assert.deepEqual(left, ['bridge', 'host', 'none']);
      await fails(['network', 'rm', 'bridge'], /bridge is a pre-defined network and cannot be removed/, 1);
    });

    it('a created container whose network was removed fails to start with 404 and can be removed', async () => {
      await ok(['network', 'create', `${net}-gone`]);
      const id = (await ok(['create', '--network', `${net}-gone`, 'busybox', 'true'])).trim();
      await ok(['network', 'rm', `${net}-gone`]);
      await fails(['start', id], new RegExp(`network ${net}-gone not found`));
      const api = await d.api('POST', `/containers/${id}/start`);
      assert.equal(api.status, 404, api.body.toString());
      assert.deepEqual(JSON.parse(api.body.toString()), { message: `network ${net}-gone not found` });
      assert.equal((await ok(['inspect', '-f', '{{.State.Status}}', id])).trim(), 'created');
      await ok(['rm', id]);
    });

    it('a network that does not exist yet is no error at create: run says it is not found (no pull); made later, start finds it by name', async () => {
      // A 404 at create made the docker CLI take the image for missing and try to pull it.
      const r = await fails(['run', '--rm', '--network', `${net}-never`, 'busybox', 'true'], new RegExp(`network ${net}-never not found`), 125);
      assert.doesNotMatch(r.stderr, /Unable to find image|pull/i);
      assert.equal((await ok(['ps', '-aq'])).trim(), '', 'the --rm container is gone');
      const id = (await ok(['create', '--network', `${net}-later`, 'busybox', 'sleep', '30'])).trim();
      await fails(['start', id], new RegExp(`network ${net}-later not found`));
      await ok(['network', 'create', `${net}-later`]);
      await ok(['start', id]);
      const nets = JSON.parse(await ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', id]));
      const netId = (await ok(['network', 'inspect', '-f', '{{.Id}}', `${net}-later`])).trim();
      assert.equal(nets[`${net}-later`].NetworkID, netId);
      assert.match(nets[`${net}-later`].IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
      await ok(['rm', '-f', id]);
      await ok(['network', 'rm', `${net}-later`]);
    });
  });
}
