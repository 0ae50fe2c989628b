// Resolves `-u user[:group]` against the container's own /etc/passwd and /etc/group, as Docker
// does: names or numbers, supplementary groups from group membership, HOME from passwd.
import { lstatSync } from 'node:fs';
import * as path from 'node:path';
import { readFileInRoot } from '../../storage/scoped-path.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ProcessUser } from './oci-spec.js';

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(':');
    return { name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' };
  }).filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(':');
    return { name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) };
  }).filter((e) => Number.isInteger(e.gid));
}

const isNumeric = (s: string) => /^\d+$/.test(s);

/** Pure resolution from the two files' contents (empty strings when a file is missing). */
export function resolveUser(spec: string, passwdText: string, groupText: string, extraGroups: string[] = []): ProcessUser {
  const [userPart = '', groupPart] = (spec || '0').split(':', 2);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  let uid: number;
  let gid: number;
  let home = '/';
  let userName: string | undefined;
  const byName = passwd.find((p) => p.name === userPart);
  const byUid = isNumeric(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : undefined;
  if (isNumeric(userPart)) {
    uid = Number(userPart);
    gid = byUid?.gid ?? 0;
    home = byUid?.home || '/';
    userName = byUid?.name;
  } else if (byName) {
    uid = byName.uid;
    gid = byName.gid;
    home = byName.home || '/';
    userName = byName.name;
  } else {
    throw new InvalidArgumentError(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (isNumeric(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new InvalidArgumentError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  // As runc does: the primary group is also a supplementary one (`id` shows groups=<gid>,…).
  const additional = new Set<number>([gid]);
  if (userName && groupPart === undefined) {
    for (const g of groups) if (g.members.includes(userName)) additional.add(g.gid);
  }
  for (const extra of extraGroups) {
    if (isNumeric(extra)) additional.add(Number(extra));
    else {
      const g = groups.find((x) => x.name === extra);
      if (!g) throw new InvalidArgumentError(`Unable to find group ${extra}: no matching entries in group file`);
      additional.add(g.gid);
    }
  }
  return { uid, gid, additionalGids: [...additional], home };
}

/** passwd and group files larger than this are refused (an image's are kilobytes). */
const MAX_ACCOUNT_FILE = 4 << 20;

function readOptional(rootfs: string, file: string): string {
  return readFileInRoot(rootfs, file, MAX_ACCOUNT_FILE)?.toString('utf8') ?? '';
}

/**
 * Reads the files from a mounted rootfs, resolved inside it (storage/scoped-path.ts): a symlink
 * in the image, or one a running container plants before `exec -u`, never reaches a host file,
 * and a device or FIFO there is refused rather than read. At once: a few cached lstats and two
 * small reads, where the pool's round trips took ~1 ms of every start.
 */
export async function resolveUserInRootfs(rootfs: string, spec: string, extraGroups: string[] = []): Promise<ProcessUser> {
  const needFiles = !/^\d+(:\d+)?$/.test(spec || '0') || extraGroups.some((g) => !isNumeric(g)) || !spec.includes(':');
  if (!needFiles) {
    const [u, g] = spec.split(':');
    return { uid: Number(u), gid: Number(g), additionalGids: [...new Set([Number(g), ...extraGroups.map(Number)])], home: '/' };
  }
  return resolveUser(spec, readOptional(rootfs, '/etc/passwd'), readOptional(rootfs, '/etc/group'), extraGroups);
}

/**
 * resolveUserInRootfs, remembered: the files are read again only when either changed (inode,
 * size, mtime, ctime: two lstat calls, where the scoped walk and the reads took ~0.3 ms of the
 * event loop at every start and exec). `scope` says whose files they are: a running container's
 * rootfs for its execs, or an image's top layer for starts (a fresh rootfs of that image shows the
 * same lower files, inodes included; a container's own copy of one has another inode).
 */
export class UserLookups {
  private readonly hits = new Map<string, { stamp: string; user: ProcessUser }>();

  constructor(private readonly limit = 1000) {}

  async resolve(rootfs: string, scope: string, spec: string, groups: readonly string[]): Promise<ProcessUser> {
    const stamp = `${fileStamp(path.join(rootfs, 'etc/passwd'))}|${fileStamp(path.join(rootfs, 'etc/group'))}`;
    const key = `${scope}\0${spec}\0${groups.join(',')}`;
    const hit = this.hits.get(key);
    if (hit?.stamp === stamp) return hit.user;
    const user = await resolveUserInRootfs(rootfs, spec, [...groups]);
    // '?': something else than a file is there (the scoped read refuses it, or follows a link).
    if (!stamp.includes('?')) {
      if (this.hits.size >= this.limit) this.hits.clear();
      this.hits.set(key, { stamp, user });
    }
    return user;
  }
}

function fileStamp(file: string): string {
  try {
    const st = lstatSync(file, { bigint: true });
    return st.isFile() ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : '?';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? '-' : '?';
  }
}
