// Client side of conmon's attach socket (SOCK_SEQPACKET, which Node's net module cannot open).
// Each packet conmon sends starts with one byte naming the pipe (2 stdout, 3 stderr; conmon's
// stdpipe_t); whatever we send is written to the container's stdin. Shutting down our write
// side closes the container's stdin (unless conmon runs with --leave-stdin-open).
import { constants, openSync, closeSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SeqpacketSocket } from 'node-unix-socket';

// The native SOCK_SEQPACKET module is loaded on the first attach, not at daemon start.
let seqpacket: Promise<typeof import('node-unix-socket')> | undefined;

const CONMON_STDOUT = 2;
const CONMON_STDERR = 3;
/** sun_path is 108 bytes on Linux. */
const MAX_SOCKET_PATH = 107;

export interface AttachHandlers {
  onOutput(stream: 1 | 2, data: Buffer): void;
  onClose(): void;
}

export class AttachConnection {
  private closed = false;
  private inputEnded = false;

  private constructor(private readonly socket: SeqpacketSocket) {}

  static async connect(bundle: string, handlers: AttachHandlers): Promise<AttachConnection> {
    seqpacket ??= import('node-unix-socket');
    const { SeqpacketSocket } = await seqpacket;
    const socketPath = path.join(bundle, 'attach');
    // Long paths are reached through an open directory fd, as conmon itself binds them.
    let dirFd: number | undefined;
    let target = socketPath;
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      dirFd = openSync(bundle, constants.O_RDONLY | constants.O_DIRECTORY);
      target = `/proc/self/fd/${dirFd}/attach`;
    }
    return new Promise((resolve, reject) => {
      const socket = new SeqpacketSocket();
      const conn = new AttachConnection(socket);
      let settled = false;
      const done = () => {
        if (dirFd !== undefined) closeSync(dirFd);
        dirFd = undefined;
      };
      socket.on('data', (packet: Buffer) => {
        if (packet.length < 1) return;
        const pipe = packet[0];
        const payload = packet.subarray(1);
        if (pipe === CONMON_STDOUT) handlers.onOutput(1, payload);
        else if (pipe === CONMON_STDERR) handlers.onOutput(2, payload);
      });
      socket.on('error', (e: Error) => {
        if (!settled) {
          settled = true;
          done();
          reject(e);
        }
      });
      socket.on('end', () => conn.close());
      socket.on('close', () => {
        if (!conn.closed) {
          conn.closed = true;
          handlers.onClose();
        } else handlers.onClose();
      });
      try {
        socket.connect(target, () => {
          settled = true;
          done();
          resolve(conn);
        });
      } catch (e) {
        settled = true;
        done();
        reject(e);
      }
    });
  }

  write(data: Buffer): void {
    if (!this.closed && !this.inputEnded && data.length) this.socket.write(data);
  }

  /** Half-close: the container's stdin sees EOF. */
  endInput(): void {
    if (this.closed || this.inputEnded) return;
    this.inputEnded = true;
    this.socket.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }
}

/** Tells conmon the terminal size through its control fifo ("1 <height> <width>"). */
export async function resizeTerminal(bundle: string, height: number, width: number): Promise<void> {
  const fh = await fs.open(path.join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await fh.write(`1 ${height} ${width}\n`);
  } finally {
    await fh.close();
  }
}
