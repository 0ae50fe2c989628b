// berth's entry: global flags, then the command, loaded on demand. Errors end here and become
// docker's messages and exit codes.

import { writeSync } from 'node:fs';
import type { TlsFiles } from '../client/host.js';
import type { Transport } from '../client/transport.js';
import { BIN, checkArgs, StatusError, UsageError, type ApiGroup, type CommandDef, type Ctx, type GlobalOptions } from './command.js';
import { COMMON, GROUPS, OTHER, aliasesOf, lookupTop, type Entry, type Group } from './commands.js';
import { FlagError, formatFlagHelp, parseFlags, type FlagSpec } from './flags.js';

import { GIT_COMMIT, VERSION } from './version-info.js';

/** Byte order, as Go sorts strings (and without waking ICU as localeCompare does). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const GLOBAL_FLAGS: FlagSpec[] = [
  { long: 'config', kind: 'string', usage: 'Location of client config files', defaultText: '"/root/.docker"' },
  { long: 'context', short: 'c', kind: 'string', usage: 'Name of the context to use to connect to the daemon (ignored: berth has no contexts)' },
  { long: 'debug', short: 'D', kind: 'bool', usage: 'Enable debug mode' },
  { long: 'host', short: 'H', kind: 'list', usage: 'Daemon socket to connect to' },
  { long: 'log-level', short: 'l', kind: 'string', usage: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', defaultText: '"info"' },
  { long: 'tls', kind: 'bool', usage: 'Use TLS; implied by --tlsverify' },
  { long: 'tlscacert', kind: 'string', usage: 'Trust certs signed only by this CA', defaultText: '"~/.docker/ca.pem"' },
  { long: 'tlscert', kind: 'string', usage: 'Path to TLS certificate file', defaultText: '"~/.docker/cert.pem"' },
  { long: 'tlskey', kind: 'string', usage: 'Path to TLS key file', defaultText: '"~/.docker/key.pem"' },
  { long: 'tlsverify', kind: 'bool', usage: 'Use TLS and verify the remote' },
  { long: 'version', short: 'v', kind: 'bool', usage: 'Print version information and quit' },
];

function topHelp(): string {
  const list = (entries: Record<string, Entry | Group>): string =>
    Object.entries(entries)
      .filter(([, v]) => !('hidden' in v && v.hidden))
      .map(([name, v]) => `  ${name.padEnd(11)} ${v.summary}`)
      .join('\n');
  return [
    `Usage:  ${BIN} [OPTIONS] COMMAND`,
    '',
    'A Docker-compatible container engine',
    '',
    'Common Commands:',
    list(COMMON),
    '',
    'Management Commands:',
    list(GROUPS),
    '',
    'Commands:',
    list(OTHER),
    '',
    'Global Options:',
    formatFlagHelp(GLOBAL_FLAGS),
    '',
    `Run '${BIN} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

function groupHelp(name: string, group: Group): string {
  const cmds = Object.entries(group.commands)
    .filter(([, v]) => !v.hidden)
    .sort(([a], [b]) => cmp(a, b))
    .map(([n, v]) => `  ${n.padEnd(11)} ${v.summary}`)
    .join('\n');
  return `Usage:  ${BIN} ${name} COMMAND\n\n${group.summary}\n\nCommands:\n${cmds}\n\nRun '${BIN} ${name} COMMAND --help' for more information on a command.\n`;
}

function commandHelp(path: string, def: CommandDef, aliases: string[]): string {
  let text = `Usage:  ${path} ${def.use}\n\n${def.short}\n`;
  if (def.long) text += `\n${def.long}\n`;
  if (aliases.length > 1) text += `\nAliases:\n  ${aliases.join(', ')}\n`;
  const options = formatFlagHelp(def.flags);
  if (options) text += `\nOptions:\n${options}\n`;
  return text;
}

function tlsFiles(globals: GlobalOptions, env: NodeJS.ProcessEnv): TlsFiles | undefined {
  const verify = globals.tlsVerify || (env['DOCKER_TLS_VERIFY'] ?? '') !== '';
  if (!globals.tls && !verify) return undefined;
  const dir = env['DOCKER_CERT_PATH'] || `${env['HOME'] ?? '/root'}/.docker`;
  return {
    verify,
    ca: globals.tlsCaCert ?? `${dir}/ca.pem`,
    cert: globals.tlsCert ?? `${dir}/cert.pem`,
    key: globals.tlsKey ?? `${dir}/key.pem`,
  };
}

function write(stream: NodeJS.WriteStream, text: string): void {
  stream.write(text);
}

/** Run berth with argv (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // process.stdout is made on first use: making it loads node's stream modules, which a command
  // that prints one string through print() does not need.
  let stdoutStream: NodeJS.WriteStream | undefined;
  const stdoutOf = (): NodeJS.WriteStream => {
    if (stdoutStream === undefined) {
      stdoutStream = process.stdout;
      // `berth ps | head -1`: the reader went away; stop quietly rather than crash on EPIPE.
      stdoutStream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
    }
    return stdoutStream;
  };
  // process.stderr too: most commands never write to it.
  const stderr = (): NodeJS.WriteStream => process.stderr;
  let parsed;
  try {
    parsed = parseFlags(GLOBAL_FLAGS, argv, { interspersed: false });
  } catch (err) {
    if (err instanceof FlagError) {
      write(stderr(), `${err.message}\n\nUsage:  ${BIN} [OPTIONS] COMMAND\n\nRun '${BIN} --help' for more information\n`);
      return 125;
    }
    throw err;
  }
  const g = parsed.flags;
  const globals: GlobalOptions = {
    hosts: g.list('host'),
    debug: g.bool('debug'),
    tls: g.bool('tls'),
    tlsVerify: g.bool('tlsverify'),
    tlsCaCert: g.string('tlscacert'),
    tlsCert: g.string('tlscert'),
    tlsKey: g.string('tlskey'),
    config: g.string('config'),
    logLevel: g.string('log-level'),
  };
  if (g.bool('version')) {
    printToFd1(`Berth version ${VERSION}, build ${GIT_COMMIT}\n`, stdoutOf);
    return 0;
  }
  const [name, ...rest] = parsed.args;
  if (name === undefined || parsed.help || name === 'help') {
    if (name === 'help' && rest.length > 0) return main([...rest, '--help']);
    write(stdoutOf(), topHelp());
    return 0;
  }

  let entry = lookupTop(name);
  let path = `${BIN} ${name}`;
  let args = rest;
  const group = GROUPS[name];
  if (!entry && group) {
    const [sub, ...subRest] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      write(stdoutOf(), groupHelp(name, group));
      return 0;
    }
    entry = group.commands[sub];
    if (!entry) {
      if (sub.startsWith('-')) {
        write(stderr(), `unknown flag: ${sub}\n\nUsage:  ${BIN} ${name} COMMAND\n\nRun '${BIN} ${name} --help' for more information\n`);
        return 125;
      }
      write(stderr(), `${BIN}: unknown command: ${BIN} ${name} ${sub}\n\nUsage:  ${BIN} ${name}\n\nRun '${BIN} ${name} --help' for more information\n`);
      return 1;
    }
    path = `${BIN} ${name} ${sub}`;
    args = subRest;
  }
  if (!entry) {
    write(stderr(), `${BIN}: unknown command: ${BIN} ${name}\n\nRun '${BIN} --help' for more information\n`);
    return 1;
  }

  // The command's module and the client's transport load side by side: their file reads overlap.
  const [def, hostModule, transportModule] = await Promise.all([entry.load(), import('../client/host.js'), import('../client/transport.js')]);
  const usage = `${path} ${def.use}`;
  let cmd;
  try {
    cmd = def.rawArgs && args[0] !== '--help'
      ? { flags: parseFlags([], []).flags, args: [...args], help: false, helpShorthand: false }
      : parseFlags(def.flags, args, { interspersed: def.interspersed ?? true });
  } catch (err) {
    if (err instanceof FlagError) {
      write(stderr(), `${err.message}\n\nUsage:  ${usage}\n\nRun '${path} --help' for more information\n`);
      return 125;
    }
    throw err;
  }
  if (cmd.help) {
    if (cmd.helpShorthand) write(stdoutOf(), 'Flag shorthand -h has been deprecated, use --help\n');
    write(stdoutOf(), commandHelp(path, def, aliasesOf(entry, BIN)));
    return 0;
  }
  const argError = checkArgs(def.args, cmd.args, path);
  if (argError) {
    const see = /requires at least \d+ arguments?$/.test(argError) ? 'See' : 'Run';
    write(stderr(), `${BIN}: ${argError}\n\nUsage:  ${usage}\n\n${see} '${path} --help' for more information\n`);
    return 1;
  }

  let transport: Transport | undefined;
  const groups = new Map<ApiGroup<unknown>, unknown>();
  const ctx: Ctx = {
    commandPath: path,
    usage,
    get stdout(): NodeJS.WriteStream {
      return stdoutOf();
    },
    print(text: string): void {
      if (stdoutStream === undefined) printToFd1(text, stdoutOf);
      else stdoutStream.write(text);
    },
    get stderr(): NodeJS.WriteStream {
      return process.stderr;
    },
    // Lazy: creating process.stdin costs time, and most commands never read it.
    get stdin(): NodeJS.ReadStream {
      return process.stdin;
    },
    env: process.env,
    globals,
    transport(): Transport {
      const { parseHost, resolveHostUrl } = hostModule;
      transport ??= new transportModule.Transport(parseHost(resolveHostUrl(globals.hosts, process.env), tlsFiles(globals, process.env)));
      return transport;
    },
    api<T>(group: ApiGroup<T>): T {
      let api = groups.get(group) as T | undefined;
      if (api === undefined) {
        api = new group(this.transport());
        groups.set(group, api);
      }
      return api;
    },
  };
  try {
    const code = await def.run(ctx, cmd.flags, cmd.args);
    return code ?? 0;
  } catch (err) {
    return reportError(err, ctx);
  }
}

/**
 * One string to fd 1 with write(2), as node's own stdout writes on Linux; what a non-blocking fd
 * does not take at once goes through the stream. A reader that went away ends berth quietly, as
 * the stream's EPIPE handler does.
 */
function printToFd1(text: string, stream: () => NodeJS.WriteStream): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(0);
    if (code !== 'EAGAIN') throw err;
    stream().write(buf.subarray(off));
  }
}

export function reportError(err: unknown, ctx: Pick<Ctx, 'stderr' | 'usage' | 'commandPath'>): number {
  if (err instanceof StatusError) {
    if (err.message) write(ctx.stderr, `${err.message}\n`);
    return err.status === 0 ? 1 : err.status;
  }
  if (err instanceof UsageError) {
    write(ctx.stderr, `${BIN}: ${err.message}\n\nUsage:  ${ctx.usage}\n\nRun '${ctx.commandPath} --help' for more information\n`);
    return err.status;
  }
  if (err instanceof FlagError) {
    write(ctx.stderr, `${err.message}\n\nUsage:  ${ctx.usage}\n\nRun '${ctx.commandPath} --help' for more information\n`);
    return 125;
  }
  const message = err instanceof Error ? err.message : String(err);
  write(ctx.stderr, `${message}\n`);
  if (process.env['BERTH_DEBUG'] && err instanceof Error && err.stack) write(ctx.stderr, `${err.stack}\n`);
  return 1;
}
