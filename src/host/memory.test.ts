import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { droppableMappings, memoryFigures, releaseMemory } from './memory.js';
import { nativeMount } from './mounts.js';

const SMAPS = `00400000-00b6f000 r--p 00000000 fe:00 260689                             /usr/bin/node
Size:               7612 kB
Rss:                6908 kB
Anonymous:             0 kB
00b72000-025fe000 r-xp 00772000 fe:00 260689                             /usr/bin/node
Rss:               21368 kB
Anonymous:             0 kB
0563a000-0563e000 r--p 05239000 fe:00 260689                             /usr/bin/node
Rss:                  16 kB
Anonymous:            16 kB
0563e000-0565d000 rw-p 0523d000 fe:00 260689                             /usr/bin/node
Rss:                 124 kB
Anonymous:            60 kB
0565d000-06000000 rw-p 00000000 00:00 0                                  [heap]
Rss:               10768 kB
Anonymous:         10768 kB
7f3dc0000000-7f3dc0400000 r--p 00000000 00:00 0
Rss:                 100 kB
Anonymous:           100 kB
7f3dc4740000-7f3dc4752000 r-xp 00060000 fe:00 5393930                    /x/addon.node
Rss:                  72 kB
Anonymous:             0 kB
7f3dc4752000-7f3dc4753000 ---p 00078000 fe:00 5393930                    /x/addon.node
Rss:                   0 kB
Anonymous:             0 kB
7f3dc4753000-7f3dc4757000 r--s 00078000 fe:00 5393931                    /x/shared-file
Rss:                  16 kB
Anonymous:             0 kB
7ffe8dab0000-7ffe8dab2000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   8 kB
Anonymous:             0 kB
`;

test('only clean, private, read-only mappings of the executable are dropped', () => {
  // Not the RELRO page (written by the loader: anonymous), the data, the heap, an anonymous
  // read-only map, another file (a library could be overwritten in place), a PROT_NONE guard, a
  // shared file, the vdso.
  assert.deepEqual(droppableMappings(SMAPS, '/usr/bin/node'), [
    { start: 0x400000, end: 0xb6f000, rss: 6908 * 1024 },
    { start: 0xb72000, end: 0x25fe000, rss: 21368 * 1024 },
  ]);
});

test('figures add up and a release leaves this process working', { skip: !nativeMount() && 'no native addon' }, () => {
  const before = memoryFigures();
  assert.ok(before.rss > 0 && before.rssAnon + before.rssFile <= before.rss + 4096 * 16, JSON.stringify(before));
  assert.ok(before.heapSpaces['old_space']!.used > 0);
  assert.ok(before.malloc && before.malloc.inUse > 0, 'mallinfo2 through the addon');
  const fileBefore = before.rssFile;
  const r = releaseMemory();
  assert.ok(r.droppedFileBytes > 0, 'node executable pages were resident');
  assert.ok(r.droppedFileBytes < fileBefore);
  const after = memoryFigures();
  assert.ok(after.rssFile < fileBefore, `${fileBefore} → ${after.rssFile}`);
  // Dropped code comes back from the page cache: JSON, regexps, fs still work.
  assert.equal(JSON.parse(JSON.stringify({ a: [1, 'x'] })).a[1], 'x');
  assert.match(readFileSync('/proc/self/status', 'utf8'), /VmRSS/);
});
