// berth login / logout: credentials checked by the daemon (POST /auth) and kept in docker's
// config.json (mode 0600), shared with the docker CLI. The password never reaches argv of
// anything berth runs, nor any log.
import { DistributionApi } from '../client/distribution.js';
import { StatusError, type CommandDef, type Ctx } from './command.js';
import { loadAuth, removeAuth, saveAuth, serverKey } from './credentials.js';

async function readStdin(ctx: Ctx): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** One line from stdin (interactive: echo off for the password). */
async function prompt(ctx: Ctx, question: string, secret: boolean): Promise<string> {
  ctx.stdout.write(question);
  const stdin = ctx.stdin;
  const raw = secret && stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      const onData = (c: Buffer) => {
        for (const ch of c.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            stdin.pause();
            if (raw) ctx.stdout.write('\n');
            resolve(buf);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new StatusError(130, ''));
            return;
          }
          buf += ch;
        }
      };
      stdin.on('data', onData);
      stdin.on('end', () => resolve(buf));
      stdin.resume();
    });
  } finally {
    if (raw) stdin.setRawMode(false);
  }
}

export const login: CommandDef = {
  use: '[OPTIONS] [SERVER]',
  short: 'Authenticate to a registry',
  flags: [
    { long: 'password', short: 'p', kind: 'string', usage: 'Password or Personal Access Token (PAT)' },
    { long: 'password-stdin', kind: 'bool', usage: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { long: 'username', short: 'u', kind: 'string', usage: 'Username' },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, flags, args) {
    const key = serverKey(args[0]);
    let username = flags.string('username');
    let password = flags.string('password');
    if (password !== undefined) {
      ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      if (flags.bool('password-stdin')) throw new StatusError(1, '--password and --password-stdin are mutually exclusive');
    }
    if (flags.bool('password-stdin')) {
      if (!username) throw new StatusError(1, 'Must provide --username with --password-stdin');
      password = await readStdin(ctx);
    }
    const stored = loadAuth(ctx.env, key);
    if (!username) username = (await prompt(ctx, `Username${stored?.username ? ` (${stored.username})` : ''}: `, false)).trim() || stored?.username;
    if (!username) throw new StatusError(1, 'Error: Non-null Username Required');
    if (password === undefined) password = await prompt(ctx, 'Password: ', true);
    if (!password) throw new StatusError(1, 'Error: Password Required');
    const res = await ctx.api(DistributionApi).login({ username, password, serveraddress: key });
    const file = saveAuth(ctx.env, key, username, password);
    ctx.stderr.write(`\nWARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`);
    ctx.stdout.write(`${res.Status || 'Login Succeeded'}\n`);
    return 0;
  },
};

export const logout: CommandDef = {
  use: '[SERVER]',
  short: 'Log out from a registry',
  flags: [],
  args: { min: 0, max: 1 },
  async run(ctx, _flags, args) {
    const key = serverKey(args[0]);
    // docker 28 says this whether or not it had credentials for the server.
    ctx.stdout.write(`Removing login credentials for ${key}\n`);
    removeAuth(ctx.env, key);
    return 0;
  },
};
