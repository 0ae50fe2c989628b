// The overlayfs xattrs berth reads and writes (Documentation/filesystems/overlayfs.rst):
// trusted.overlay.opaque on an upper directory hides everything below it. Node has no xattr
// call, so the attr package's setfattr/getfattr do it, one process per walk, not per file.
import * as path from 'node:path';
import { runCommand } from '../host/command.js';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Kernel 6.7+ "xwhiteouts": a file carrying this xattr, in a dir whose opaque value is "x". */
export const WHITEOUT_XATTR = 'trusted.overlay.whiteout';

/** File capabilities (capabilities(7), "File capabilities"): kept through layers, commit and cp. */
export const CAPABILITY_XATTR = 'security.capability';

/** Sets an xattr on `file` itself (not a symlink's target) to exactly these bytes. */
export async function setXattr(file: string, name: string, value: Buffer): Promise<void> {
  await runCommand('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, '--', file]);
}

export async function setOpaque(dir: string): Promise<void> {
  await runCommand('setfattr', ['-h', '-n', OPAQUE_XATTR, '-v', 'y', '--', dir]);
}

export interface OverlayMarks {
  /** Directories whose opaque xattr is "y" (host paths). */
  opaque: Set<string>;
  /** Files marked as whiteouts by xattr (host paths). */
  whiteouts: Set<string>;
  /** security.capability values by host path, read in the same walk. */
  capabilities: Map<string, Buffer>;
}

/** Every overlay opaque/whiteout xattr under `root`, in one getfattr walk. */
export async function readOverlayMarks(root: string): Promise<OverlayMarks> {
  const res = await runCommand(
    'getfattr',
    ['-R', '-P', '-h', '--absolute-names', '-e', 'hex', '-m', '^(trusted\\.overlay\\.(opaque|whiteout)|security\\.capability)$', '-d', '--', path.resolve(root)],
    { timeoutMs: 300_000 },
  );
  const marks: OverlayMarks = { opaque: new Set(), whiteouts: new Set(), capabilities: new Map() };
  let file = '';
  for (const line of res.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      file = unescapeName(line.slice(8));
    } else if (line.startsWith(`${OPAQUE_XATTR}=`)) {
      // -e hex: "y" is 0x79.
      if (line.slice(OPAQUE_XATTR.length + 1) === '0x79') marks.opaque.add(file);
    } else if (line.startsWith(WHITEOUT_XATTR)) {
      marks.whiteouts.add(file);
    } else if (line.startsWith(`${CAPABILITY_XATTR}=0x`)) {
      marks.capabilities.set(file, Buffer.from(line.slice(CAPABILITY_XATTR.length + 3), 'hex'));
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
