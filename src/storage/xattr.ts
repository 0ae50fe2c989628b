// The overlayfs xattrs berth reads and writes (Documentation/filesystems/overlayfs.rst):
// trusted.overlay.opaque on an upper directory hides everything below it. Node has no xattr
// call, so the attr package's setfattr/getfattr do it, one process per walk, not per file.
import * as path from 'node:path';
import { runCommand } from '../host/command.js';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Kernel 6.7+ "xwhiteouts": a file carrying this xattr, in a dir whose opaque value is "x". */
export const WHITEOUT_XATTR = 'trusted.overlay.whiteout';

export async function setOpaque(dir: string): Promise<void> {
  await runCommand('setfattr', ['-h', '-n', OPAQUE_XATTR, '-v', 'y', '--', dir]);
}

export interface OverlayMarks {
  /** Directories whose opaque xattr is "y" (host paths). */
  opaque: Set<string>;
  /** Files marked as whiteouts by xattr (host paths). */
  whiteouts: Set<string>;
}

/** Every overlay opaque/whiteout xattr under `root`, in one getfattr walk. */
export async function readOverlayMarks(root: string): Promise<OverlayMarks> {
  const res = await runCommand(
    'getfattr',
    ['-R', '-P', '-h', '--absolute-names', '-m', '^trusted\\.overlay\\.(opaque|whiteout)$', '-d', '--', path.resolve(root)],
    { timeoutMs: 300_000 },
  );
  const marks: OverlayMarks = { opaque: new Set(), whiteouts: new Set() };
  let file = '';
  for (const line of res.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      file = unescapeName(line.slice(8));
    } else if (line.startsWith(`${OPAQUE_XATTR}=`)) {
      if (line.slice(OPAQUE_XATTR.length + 1) === '"y"') marks.opaque.add(file);
    } else if (line.startsWith(WHITEOUT_XATTR)) {
      marks.whiteouts.add(file);
    }
  }
  return marks;
}

/** getfattr writes unprintable bytes and backslashes of names as \ooo octal escapes. */
function unescapeName(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString('latin1'))) {
      bytes.push(parseInt(raw.subarray(i + 1, i + 4).toString('latin1'), 8));
      i += 3;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
