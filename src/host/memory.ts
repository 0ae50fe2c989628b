// What berthd's memory is made of, and giving back what an idle berthd no longer uses.
//
// Measured after 1,000 `run --rm` and 15 s idle (81 MiB RSS): 46 MiB of it were pages of node's
// own 95 MB executable (V8's and node's code, the start-up snapshot, ICU data) that berthd touched
// once, mostly while starting, shared and clean; 7 MiB were free memory glibc's malloc kept in
// its arenas; the rest V8's heap and code and malloc's live blocks. The executable's pages stay
// counted in RSS until the kernel needs the memory back; an idle berthd drops them from its page
// tables itself (they are still in the page cache: the ones work needs again come back as minor
// faults, ~24 MiB after the next runs), and asks malloc to return its free pages. Libraries
// (~4 MiB) are left: one overwritten in place would come back changed.
import { readFileSync, readlinkSync } from 'node:fs';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nativeMount } from './mounts.js';

/** glibc's malloc, all arenas (mallinfo2), in bytes. */
export interface MallocFigures {
  /** Bytes malloc holds from the kernel in its arenas (brk and arena heaps). */
  arena: number;
  /** Bytes in blocks large enough to be mmapped one by one. */
  mmapped: number;
  inUse: number;
  /** Free bytes malloc keeps in its arenas. */
  free: number;
}

/** One sample of berthd's memory, in bytes. */
export interface MemoryFigures {
  rss: number;
  /** Anonymous resident memory: the heaps (V8's and malloc's), stacks. */
  rssAnon: number;
  /** Resident pages of mapped files: node's executable and libraries. */
  rssFile: number;
  /** process.memoryUsage(): V8's heap (committed, live), external memory and Buffers' bytes. */
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** V8's heap spaces: committed and used bytes. */
  heapSpaces: Record<string, { size: number; used: number }>;
  /** Absent when the addon (native/mount-addon.c) is not built or predates mallinfo2. */
  malloc?: MallocFigures;
}

interface MemoryAddon {
  mallocInfo(): MallocFigures;
  mallocTrim(): boolean;
  dropPages(address: number, length: number): void;
}

/** The addon's memory functions, when the installed build has them. */
function addon(): MemoryAddon | undefined {
  const a = nativeMount() as Partial<MemoryAddon> | undefined;
  return a && typeof a.mallocInfo === 'function' && typeof a.mallocTrim === 'function' && typeof a.dropPages === 'function' ? (a as MemoryAddon) : undefined;
}

function statusKiB(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export function memoryFigures(): MemoryFigures {
  const status = readFileSync('/proc/self/status', 'utf8');
  const u = process.memoryUsage();
  const heapSpaces: MemoryFigures['heapSpaces'] = {};
  for (const s of getHeapSpaceStatistics()) heapSpaces[s.space_name] = { size: s.space_size, used: s.space_used_size };
  return {
    rss: statusKiB(status, 'VmRSS'),
    rssAnon: statusKiB(status, 'RssAnon'),
    rssFile: statusKiB(status, 'RssFile'),
    heapTotal: u.heapTotal,
    heapUsed: u.heapUsed,
    external: u.external,
    arrayBuffers: u.arrayBuffers,
    heapSpaces,
    malloc: addon()?.mallocInfo(),
  };
}

let gc: (() => void) | undefined;

/** A full, blocking garbage collection (V8's `gc()`, without starting node with --expose-gc). */
export function fullCollection(): void {
  if (!gc) {
    // The flag makes `gc` a global of contexts created after it (not of this one).
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** A mapping of /proc/self/smaps whose pages can be dropped and read again from its file. */
export interface DroppableMapping {
  start: number;
  end: number;
  rss: number;
}

/**
 * The private, read-only mappings of `file` in an smaps text with resident pages and no
 * anonymous (copied-on-write) ones: every resident page is the file's own, so dropping it loses
 * nothing. A mapping that was ever written (relocations, RELRO) has anonymous pages and is left
 * alone. Only the running executable is meant: the kernel refuses writes to it while it runs
 * (ETXTBSY), so a dropped page comes back as it was; a library overwritten in place would not.
 */
export function droppableMappings(smaps: string, file: string): DroppableMapping[] {
  const out: DroppableMapping[] = [];
  let cur: (DroppableMapping & { ok: boolean; anon: number }) | undefined;
  const flush = () => {
    if (cur?.ok && cur.anon === 0 && cur.rss > 0) out.push({ start: cur.start, end: cur.end, rss: cur.rss });
  };
  for (const line of smaps.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      flush();
      const perms = head[3]!;
      // Readable, not writable, private, backed by a file (inode ≠ 0, a path that is not [vdso] etc.).
      const ok = perms[0] === 'r' && perms[1] === '-' && perms[3] === 'p' && head[4] !== '0' && head[5] === file;
      cur = { start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), rss: 0, anon: 0, ok };
      continue;
    }
    if (!cur) continue;
    const f = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (f) {
      if (f[1] === 'Rss') cur.rss = Number(f[2]) * 1024;
      else cur.anon = Number(f[2]) * 1024;
    }
  }
  flush();
  return out;
}

export interface Released {
  /** Whether malloc gave pages back. */
  trimmed: boolean;
  /** Resident bytes of file mappings dropped. */
  droppedFileBytes: number;
}

/**
 * Gives back what an idle berthd holds but does not use: malloc's free pages (malloc_trim) and
 * the resident pages of node's executable. Call it after a full collection, so
 * that what V8 freed is in malloc's free lists. Without the addon: nothing to do.
 */
export function releaseMemory(): Released {
  const a = addon();
  if (!a) return { trimmed: false, droppedFileBytes: 0 };
  const trimmed = a.mallocTrim();
  let droppedFileBytes = 0;
  let smaps: string;
  let exe: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
    exe = readlinkSync('/proc/self/exe');
  } catch {
    return { trimmed, droppedFileBytes };
  }
  for (const m of droppableMappings(smaps, exe)) {
    try {
      a.dropPages(m.start, m.end - m.start);
      droppedFileBytes += m.rss;
    } catch {
      // Unmapped since smaps was read (an addon unloaded): nothing to drop.
    }
  }
  return { trimmed, droppedFileBytes };
}
