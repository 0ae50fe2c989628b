// docker rmi's rules (moby daemon/images/image_delete.go): a name untags, and deletes the image
// only when it was the image's last name; an ID deletes the image with its names. Conflicts are
// "hard" (a running container, child images: never forced) or "soft" (a stopped container,
// names in several repositories: forced with -f). Untagged parents are pruned quietly.
import { ConflictError, NotFoundError } from '../../errors.js';
import { familiarName, parseReference, withDefaultTag } from '../../protocol/reference.js';
import { isDigestKey, isSingleReference, refKey, sameRepository, type ReferenceStore } from './reference-store.js';

/** A container using an image, as the container engine reports it for rmi and prune. */
export interface ImageUser {
  id: string;
  running: boolean;
  /** Who, when it is not a container: what pinned the image ("a build in progress"). */
  what?: string;
}
export type ImageUsers = (imageId: string) => readonly ImageUser[] | Promise<readonly ImageUser[]>;

/** One line of DELETE /images/{name}'s answer (ImageDeleteResponseItem). */
export interface DeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

/** What the deletion rules need from the image store. */
export interface DeleteTarget {
  refs: ReferenceStore;
  /** The image ID a name or ID means, undefined if none. */
  lookup(nameOrId: string): string | undefined;
  notFound(nameOrId: string): NotFoundError;
  children(id: string): string[];
  /** Parent image ID, "" if none or not stored here. */
  parentOf(id: string): string;
  /** What pins the image (a build, a create that resolved it), if anything: a running user. */
  pinnedBy(id: string): ImageUser | undefined;
  /**
   * Drops the image (record, config blob) and its unused layers; returns those, topmost first.
   * The image leaves the index before the call returns (before its first await).
   */
  deleteImage(id: string): Promise<string[]>;
}

/** What a user is called in docker's conflict messages. */
const who = (u: ImageUser) => u.what ?? `container ${shortId(u.id)}`;

/** Short IDs as docker prints them: 12 hex digits without the algorithm. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

const CHILD = 1;
const RUNNING = 2;
const REFERENCED = 4;
const STOPPED = 8;
const HARD = CHILD | RUNNING;
const SOFT = REFERENCED | STOPPED;

/** docker's isImageIDPrefix: `s` starts the ID's hex, or the ID with "sha256:". */
function isIdPrefix(id: string, s: string): boolean {
  return id.slice(7).startsWith(s) || (id.startsWith(s) && s.length > 7);
}

export async function deleteImage(
  t: DeleteTarget, nameOrId: string, force: boolean, prune: boolean, users: ImageUsers,
): Promise<DeleteResponseItem[]> {
  const id = t.lookup(nameOrId);
  if (id === undefined) throw t.notFound(nameOrId);
  const records: DeleteResponseItem[] = [];
  let repoRefs = t.refs.of(id);
  let quiet = false;
  if (!isIdPrefix(id, nameOrId)) {
    const named = withDefaultTag(parseReference(nameOrId));
    if (!force && isSingleReference(repoRefs)) {
      // Untagging the last name would leave a container's image dangling: make the user force it.
      const user = (await users(id))[0] ?? t.pinnedBy(id);
      if (user) {
        throw new ConflictError(
          `conflict: unable to remove repository reference "${nameOrId}" (must force) - ${who(user)} is using its referenced image ${shortId(id)}`,
        );
      }
    }
    const key = refKey(named);
    if (t.refs.get(key) === id) {
      t.refs.delete(key);
      records.push({ Untagged: familiarName(key) });
      repoRefs = t.refs.of(id);
      // With the last tag of a repository gone, its digest references go too.
      if (named.digest === undefined && !repoRefs.some((r) => !isDigestKey(r) && sameRepository(r, key))) {
        for (const r of repoRefs.filter((r) => isDigestKey(r) && sameRepository(r, key))) {
          t.refs.delete(r);
          records.push({ Untagged: familiarName(r) });
        }
        repoRefs = t.refs.of(id);
      }
      await t.refs.save();
      if (repoRefs.length > 0) return records;
      quiet = true;
    }
  } else if (isSingleReference(repoRefs)) {
    const c = await conflict(t, id, force ? HARD : HARD | STOPPED, users);
    if (c) throw new ConflictError(c.message);
    for (const r of repoRefs) {
      t.refs.delete(r);
      records.push({ Untagged: familiarName(r) });
    }
    await t.refs.save();
  }
  await deleteHelper(t, id, records, force, prune, quiet, users);
  return records;
}

async function conflict(t: DeleteTarget, id: string, mask: number, users: ImageUsers): Promise<{ message: string; used: boolean } | undefined> {
  const msg = (hard: boolean, why: string): string =>
    `conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${why}`;
  if (mask & CHILD && t.children(id).length > 0) return { message: msg(true, 'image has dependent child images'), used: false };
  const u = mask & (RUNNING | STOPPED) ? await users(id) : [];
  const running = u.find((c) => c.running) ?? t.pinnedBy(id);
  if (mask & RUNNING && running) return runningConflict(id, running);
  if (mask & REFERENCED && t.refs.of(id).length > 0) {
    return { message: msg(false, 'image is referenced in multiple repositories'), used: false };
  }
  const stopped = u.find((c) => !c.running);
  if (mask & STOPPED && stopped) {
    return { message: msg(false, `image is being used by stopped container ${shortId(stopped.id)}`), used: true };
  }
  return undefined;
}

/** The conflict of a running user (a container, or what pinned the image): never forced. */
function runningConflict(id: string, user: ImageUser): { message: string; used: boolean } {
  const what = user.what ?? `running container ${shortId(user.id)}`;
  return { message: `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by ${what}`, used: true };
}

async function deleteHelper(
  t: DeleteTarget, id: string, records: DeleteResponseItem[], force: boolean, prune: boolean, quiet: boolean, users: ImageUsers,
): Promise<void> {
  // The pins are asked again with no await between the asking and the image leaving the index
  // (deleteImage): a build or a create that pins it either comes first and keeps it, or no
  // longer finds it. Between two awaits of this function it could pin it unseen.
  let c = await conflict(t, id, force ? HARD : HARD | SOFT, users);
  const pin = c ? undefined : t.pinnedBy(id);
  if (pin) c = runningConflict(id, pin);
  if (c) {
    // Pruning parents stops quietly at a conflict, unless the image is dangling and unused,
    // in which case the user should hear why it stays.
    if (quiet && (t.refs.of(id).length > 0 || t.children(id).length > 0 || c.used)) return;
    throw new ConflictError(c.message);
  }
  const parent = t.parentOf(id);
  const names = t.refs.of(id);
  for (const r of names) {
    t.refs.delete(r);
    records.push({ Untagged: familiarName(r) });
  }
  const [layers] = await Promise.all([t.deleteImage(id), names.length ? t.refs.save() : undefined]);
  records.push({ Deleted: id });
  for (const l of layers) records.push({ Deleted: l });
  if (prune && parent) await deleteHelper(t, parent, records, false, true, true, users);
}
