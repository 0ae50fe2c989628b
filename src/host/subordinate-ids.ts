// Subordinate user and group IDs (/etc/subuid, /etc/subgid; subuid(5)) for --userns-remap, and
// the `berth` user that `--userns-remap default` makes, as dockerd makes `dockremap`.
import { promises as fs } from 'node:fs';
import { runCommand } from './command.js';

export interface IdRange {
  /** First ID inside the container's user namespace. */
  inside: number;
  /** First ID on the host. */
  host: number;
  count: number;
}

export interface IdMappings {
  uid: IdRange[];
  gid: IdRange[];
}

/** The ranges of `name` (or its numeric ID) in a subuid/subgid file, mapped from 0 upwards. */
export function rangesFor(text: string, names: string[]): IdRange[] {
  const out: IdRange[] = [];
  let inside = 0;
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if (!who || !names.includes(who)) continue;
    const host = Number(start);
    const n = Number(count);
    if (!Number.isInteger(host) || !Number.isInteger(n) || n <= 0) continue;
    out.push({ inside, host, count: n });
    inside += n;
  }
  return out;
}

/** Where a new range of `count` IDs can start: above every range listed, from 100000. */
export function nextFreeStart(text: string, count: number): number {
  let end = 100_000;
  for (const line of text.split('\n')) {
    const [, start, n] = line.trim().split(':');
    const e = Number(start) + Number(n);
    if (Number.isFinite(e) && e > end) end = e;
  }
  return Math.ceil(end / count) * count;
}

const readOr = (f: string) => fs.readFile(f, 'utf8').catch(() => '');

async function passwdEntry(name: string): Promise<{ uid: number; gid: number; name: string } | undefined> {
  const text = await readOr('/etc/passwd');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name || (/^\d+$/.test(name) && f[2] === name)) return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

async function groupEntry(name: string): Promise<{ gid: number; name: string } | undefined> {
  const text = await readOr('/etc/group');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name || (/^\d+$/.test(name) && f[2] === name)) return { name: f[0]!, gid: Number(f[2]) };
  }
  return undefined;
}

const DEFAULT_USER = 'berth';
const DEFAULT_COUNT = 65536;

/** Makes the `berth` user and its subordinate ranges when missing (dockerd's `default`). */
async function ensureDefaultUser(): Promise<void> {
  if (!(await passwdEntry(DEFAULT_USER))) {
    const group = (await groupEntry(DEFAULT_USER)) ? ['-g', DEFAULT_USER] : ['-U'];
    await runCommand('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...group, DEFAULT_USER], { timeoutMs: 30_000 });
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = await readOr(file);
    if (rangesFor(text, [DEFAULT_USER]).length) continue;
    const start = nextFreeStart(text, DEFAULT_COUNT);
    await fs.appendFile(file, `${text && !text.endsWith('\n') ? '\n' : ''}${DEFAULT_USER}:${start}:${DEFAULT_COUNT}\n`);
  }
}

/**
 * The mappings of --userns-remap: `default` (the berth user, made if missing) or USER[:GROUP],
 * each by name or ID; the ranges come from /etc/subuid and /etc/subgid.
 */
export async function remapMappings(spec: string): Promise<IdMappings & { user: string }> {
  let [userPart, groupPart] = spec.split(':');
  if (spec === 'default') {
    await ensureDefaultUser();
    userPart = DEFAULT_USER;
    groupPart = DEFAULT_USER;
  }
  if (!userPart) throw new Error(`Invalid user/group specification in --userns-remap: "${spec}"`);
  const user = await passwdEntry(userPart);
  if (!user) throw new Error(`--userns-remap: no such user: ${userPart}`);
  const group = groupPart ? await groupEntry(groupPart) : { name: user.name, gid: user.gid };
  if (!group) throw new Error(`--userns-remap: no such group: ${groupPart}`);
  const uid = rangesFor(await readOr('/etc/subuid'), [user.name, String(user.uid)]);
  const gid = rangesFor(await readOr('/etc/subgid'), [group.name, String(group.gid)]);
  if (!uid.length) throw new Error(`--userns-remap: no subordinate user ID range for ${user.name} in /etc/subuid`);
  if (!gid.length) throw new Error(`--userns-remap: no subordinate group ID range for ${group.name} in /etc/subgid`);
  return { uid, gid, user: `${user.name}:${group.name}` };
}
