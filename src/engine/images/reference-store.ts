// Names → image IDs, as docker's reference store: one JSON file, written atomically, holding
// "docker.io/library/busybox:latest" (tags) and "docker.io/library/busybox@sha256:…" (digests).
// One file keeps a tag move (off one image, onto another) a single atomic write.
import { readJson, writeJsonAtomic } from '../../storage/atomic-file.js';
import { InvalidArgumentError } from '../../errors.js';
import { familiarName, parseReference, referenceString, repositoryName, withDefaultTag, type Reference } from '../../protocol/reference.js';

export class ReferenceStore {
  private constructor(private readonly file: string, private readonly refs: Map<string, string>) {}

  /** Loads the file, keeping only names of images `known` accepts. */
  static async open(file: string, known: (id: string) => boolean): Promise<ReferenceStore> {
    const raw = await readJson<Record<string, string>>(file).catch(() => ({}));
    return new ReferenceStore(file, new Map(Object.entries(raw).filter(([, id]) => known(id))));
  }

  /** The image a stored key ("repo:tag" or "repo@digest") points at. */
  get(key: string): string | undefined {
    return this.refs.get(key);
  }

  set(key: string, id: string): void {
    this.refs.set(key, id);
  }

  delete(key: string): boolean {
    return this.refs.delete(key);
  }

  /** Every key pointing at `id`, sorted (docker lists references lexically). */
  of(id: string): string[] {
    return [...this.refs].filter(([, v]) => v === id).map(([k]) => k).sort();
  }

  /** Tag keys (not digests) pointing at `id`. */
  tagsOf(id: string): string[] {
    return this.of(id).filter((k) => !isDigestKey(k));
  }

  digestsOf(id: string): string[] {
    return this.of(id).filter(isDigestKey);
  }

  async save(): Promise<void> {
    const obj: Record<string, string> = {};
    for (const k of [...this.refs.keys()].sort()) obj[k] = this.refs.get(k)!;
    await writeJsonAtomic(this.file, obj);
  }
}

export function isDigestKey(key: string): boolean {
  return key.includes('@');
}

/** The key a reference is stored under: "repo:tag" (":latest" added) or "repo@digest" (tag dropped). */
export function refKey(ref: Reference): string {
  const r = withDefaultTag(ref);
  return r.digest !== undefined ? `${repositoryName(r)}@${r.digest}` : referenceString(r);
}

/** A reference usable as a tag: normalized, ":latest" added, no digest (docker's TagImage rules). */
export function tagReference(s: string): Reference {
  const r = withDefaultTag(parseReference(s));
  if (r.digest !== undefined) throw new InvalidArgumentError('refusing to create a tag with a digest reference');
  if (familiarName({ ...r, tag: undefined }) === 'sha256') {
    throw new InvalidArgumentError('refusing to create an ambiguous tag using digest algorithm as name');
  }
  return r;
}

export function sameRepository(a: string, b: string): boolean {
  return repositoryName(parseReference(a)) === repositoryName(parseReference(b));
}

/** Whether the keys are one tag plus digests of that same repository (image_delete.go). */
export function isSingleReference(keys: readonly string[]): boolean {
  if (keys.length <= 1) return keys.length === 1;
  let single: string | undefined;
  const canonical = new Set<string>();
  for (const k of keys) {
    if (isDigestKey(k)) canonical.add(repositoryName(parseReference(k)));
    else if (single === undefined) single = k;
    else return false;
  }
  const name = repositoryName(parseReference(single ?? keys[0]!));
  return canonical.size === 1 && canonical.has(name);
}
