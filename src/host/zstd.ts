// zstd decompression through Debian's zstd CLI, for Node builds whose zlib lacks zstd (it came
// in Node 22.15/23.8; berth runs on Node 20). A child process per layer is cheap next to a
// layer's download, and the CLI is the reference decoder. Bytes stream through stdin/stdout;
// a non-zero exit (corrupt input) fails the stream with zstd's own message.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex, PassThrough } from 'node:stream';

const ZSTD_PATHS = ['/usr/bin/zstd', '/bin/zstd', '/usr/local/bin/zstd'];

export function zstdBinary(): string | undefined {
  return ZSTD_PATHS.find((p) => existsSync(p));
}

/** A Duplex: zstd-compressed bytes in, the decompressed bytes out. */
export function zstdDecompressor(bin: string): Duplex {
  const child = spawn(bin, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.pipe(out, { end: false });
  let stdoutDone = false;
  let exit: number | null | undefined;
  const finish = () => {
    if (!stdoutDone || exit === undefined) return;
    if (exit === 0) out.end();
    else out.destroy(new Error(`zstd: ${stderr.trim() || `exit status ${exit}`}`));
  };
  child.stdout.on('end', () => {
    stdoutDone = true;
    finish();
  });
  child.on('close', (code) => {
    exit = code;
    stdoutDone = true;
    finish();
  });
  child.on('error', (e) => out.destroy(e));
  child.stdin.on('error', () => undefined); // EPIPE after zstd gave up: its exit status tells why
  const d = Duplex.from({ writable: child.stdin, readable: out });
  d.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return d;
}
