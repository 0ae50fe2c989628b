// berth registry serve|gc: berth's own OCI distribution registry (src/registry). The server code
// is loaded from dist/ at run time, not bundled into the CLI, so other commands never pay to
// parse it.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StatusError, type CommandDef } from './command.js';
import { parseGoDuration } from '../protocol/units.js';

type RegistryModule = typeof import('../registry/entry.js');

async function loadRegistry(): Promise<RegistryModule> {
  // Bundled: dist/berth.cjs, which the launcher runs inside a vm.Script (for the code cache),
  // where Node 20's import() has no loader; the registry has its own CommonJS bundle beside it.
  if (typeof __filename !== 'undefined' && __filename.endsWith('.cjs')) {
    return createRequire(__filename)(path.join(path.dirname(__filename), 'berth-registry.cjs')) as RegistryModule;
  }
  // Unbundled: dist/src/bin/berth.js is the main.
  const file = path.join(path.dirname(process.argv[1] ?? ''), '../registry/entry.js');
  return (await import(pathToFileURL(file).href)) as RegistryModule;
}

const DEFAULT_ROOT = '/var/lib/berth-registry';

export const registryServe: CommandDef = {
  use: '[OPTIONS]',
  short: 'Serve an OCI distribution registry',
  long: 'Serves images over the OCI distribution API (docker push/pull, skopeo, berth), storing them under --root.',
  flags: [
    { long: 'addr', kind: 'string', usage: 'Address to listen on', defaultText: '"127.0.0.1:5000"' },
    { long: 'root', kind: 'string', usage: 'Directory the registry stores images in', defaultText: `"${DEFAULT_ROOT}"` },
    { long: 'htpasswd', kind: 'string', usage: 'Require Basic authentication against this htpasswd file (bcrypt entries)' },
    { long: 'tls-cert', kind: 'string', usage: 'Serve HTTPS with this certificate (PEM)' },
    { long: 'tls-key', kind: 'string', usage: 'Private key of --tls-cert (PEM)' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const reg = await loadRegistry();
    const root = path.resolve(flags.string('root') ?? DEFAULT_ROOT);
    let running;
    try {
      running = await reg.startRegistry({
        addr: flags.string('addr') ?? '127.0.0.1:5000',
        root,
        htpasswd: flags.string('htpasswd'),
        tlsCert: flags.string('tls-cert'),
        tlsKey: flags.string('tls-key'),
        log: ctx.globals.debug ? (line) => ctx.stderr.write(`${new Date().toISOString()} ${line}\n`) : undefined,
      });
    } catch (e) {
      throw new StatusError(1, `berth registry: ${(e as Error).message}`);
    }
    const scheme = flags.string('tls-cert') ? 'https' : 'http';
    ctx.stdout.write(`berth registry listening on ${scheme}://${running.address} (root ${root})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => void running.close().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};

export const registryGc: CommandDef = {
  use: '[OPTIONS]',
  short: 'Remove blobs no manifest references',
  long: 'Removes blobs that no manifest of any repository references. Blobs pushed within --delay are kept, so a push in progress (layers before their manifest) is safe.',
  flags: [
    { long: 'root', kind: 'string', usage: 'Directory the registry stores images in', defaultText: `"${DEFAULT_ROOT}"` },
    { long: 'dry-run', short: 'd', kind: 'bool', usage: 'Only print what would be removed' },
    { long: 'delay', kind: 'string', usage: 'Keep unreferenced blobs younger than this', defaultText: '1h' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const reg = await loadRegistry();
    let delayMs = reg.DEFAULT_GC_DELAY_MS;
    const delay = flags.string('delay');
    if (delay !== undefined) {
      try {
        delayMs = parseGoDuration(delay) / 1e6;
      } catch (e) {
        throw new StatusError(125, `invalid argument "${delay}" for "--delay" flag: ${(e as Error).message}`);
      }
    }
    const dryRun = flags.bool('dry-run');
    const r = await reg.collectGarbage(path.resolve(flags.string('root') ?? DEFAULT_ROOT), { dryRun, delayMs });
    for (const b of r.removed) ctx.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${b.digest}\n`);
    const bytes = r.removed.reduce((n, b) => n + b.size, 0);
    ctx.stdout.write(
      `${r.marked} blobs referenced, ${r.removed.length} ${dryRun ? 'eligible for deletion' : 'removed'} (${bytes} bytes), ${r.young} unreferenced kept (younger than --delay)\n`,
    );
    return 0;
  },
};
