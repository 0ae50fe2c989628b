// Docker's multiplexed stream framing ("stdcopy"), used by attach, logs and exec when the
// container has no TTY. Each frame is an 8-byte header followed by the payload:
//
//   [stream, 0, 0, 0, size (uint32 big-endian)] payload…
//
// stream is 0 stdin, 1 stdout, 2 stderr; 3 ("systemErr") carries an error message from the
// daemon and ends the stream. See moby/pkg/stdcopy and the Engine API's "Stream format".

import type { Readable, Writable } from 'node:stream';

export type StreamType = 0 | 1 | 2 | 3;

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
/** Error written by the daemon in place of output; the payload is the message. */
export const SYSTEM_ERR = 3;

export const HEADER_SIZE = 8;

export function encodeFrame(stream: StreamType, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  frame[0] = stream;
  frame[1] = 0;
  frame[2] = 0;
  frame[3] = 0;
  frame.writeUInt32BE(payload.length, 4);
  payload.copy(frame, HEADER_SIZE);
  return frame;
}

/** Only the header, for writers that want to avoid copying a large payload. */
export function encodeHeader(stream: StreamType, length: number): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header[0] = stream;
  header.writeUInt32BE(length, 4);
  return header;
}

export interface Frame {
  stream: StreamType;
  payload: Buffer;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * Incremental parser: feed it chunks as they arrive, it returns the whole frames they complete.
 * A frame split across any number of chunks (even inside the header) is reassembled.
 */
export class FrameParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  push(chunk: Buffer): Frame[] {
    let buf: Buffer;
    if (this.pendingLength === 0) {
      buf = chunk;
    } else {
      this.pending.push(chunk);
      buf = Buffer.concat(this.pending, this.pendingLength + chunk.length);
      this.pending = [];
      this.pendingLength = 0;
    }
    const frames: Frame[] = [];
    let offset = 0;
    while (buf.length - offset >= HEADER_SIZE) {
      const stream = buf[offset];
      if (stream === undefined || stream > 3) {
        throw new FrameError(`Unrecognized input header: ${stream}`);
      }
      const size = buf.readUInt32BE(offset + 4);
      if (buf.length - offset - HEADER_SIZE < size) break;
      const start = offset + HEADER_SIZE;
      frames.push({ stream: stream as StreamType, payload: buf.subarray(start, start + size) });
      offset = start + size;
    }
    if (offset < buf.length) {
      // Keep a copy: the caller may reuse the chunk's memory.
      const rest = Buffer.from(buf.subarray(offset));
      this.pending.push(rest);
      this.pendingLength = rest.length;
    }
    return frames;
  }

  /** Bytes of an unfinished frame still waiting for the rest of it. */
  get buffered(): number {
    return this.pendingLength;
  }
}

/**
 * Copy a multiplexed stream into stdout and stderr, honouring backpressure on both.
 * Resolves when src ends; rejects on a systemErr frame (with its message), on a malformed
 * header, or when src ends in the middle of a frame.
 */
export function demuxStream(src: Readable, stdout: Writable, stderr: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = new FrameParser();
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      src.off('data', onData);
      src.off('end', onEnd);
      src.off('close', onEnd);
      src.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer | string): void => {
      let frames: Frame[];
      try {
        frames = parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (err) {
        finish(err as Error);
        return;
      }
      let blocked: Writable | undefined;
      // Consecutive frames of one stream go out in one write: a log is a frame a line, and a
      // write a line (a syscall each when stdout is a file) would cost more than the rest.
      let run: Buffer[] = [];
      let runTarget: Writable | undefined;
      const flush = (): void => {
        if (!runTarget || !run.length) return;
        if (!runTarget.write(run.length === 1 ? run[0]! : Buffer.concat(run))) blocked = runTarget;
        run = [];
      };
      for (const frame of frames) {
        if (frame.stream === SYSTEM_ERR) {
          flush();
          finish(new FrameError(frame.payload.toString('utf8')));
          return;
        }
        const target = frame.stream === STDERR ? stderr : stdout;
        if (frame.payload.length === 0) continue;
        if (target !== runTarget) flush();
        runTarget = target;
        run.push(frame.payload);
      }
      flush();
      if (blocked) {
        src.pause();
        blocked.once('drain', () => src.resume());
      }
    };
    const onEnd = (): void => {
      if (parser.buffered > 0) {
        finish(new FrameError('unexpected EOF in the middle of a frame'));
      } else {
        finish();
      }
    };
    const onError = (err: Error): void => finish(err);
    src.on('data', onData);
    src.once('end', onEnd);
    src.once('close', onEnd);
    src.once('error', onError);
  });
}
