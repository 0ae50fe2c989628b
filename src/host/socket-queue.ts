// Whether a client has read what berthd wrote on its connection (native/socket-addon.c). A
// hijacked attach with logs=1 writes the 101 response and then at once the log's replay. A
// client that reads the response through a buffer and then reads the raw socket (docker-py's
// attach, through Python's http.client) loses whatever that buffer's first read took beyond the
// response: docker-py's `attach(stream=False, logs=True)` got b'' in 16–29 of 100 tries here.
// dockerd has the same race; its slower replay only makes it rarer.
import type { Duplex } from 'node:stream';
import { loadAddon } from './native-addon.js';

interface NativeSocket {
  unreadBytes(fd: number): number;
}

let addon: NativeSocket | null | undefined;

/** The longest wait for a client's read (a client that never reads must not hold the attach up). */
const MAX_WAIT_MS = 200;
/** Without the addon, or over TCP (where the queue is what is not yet acknowledged): a pause. */
const PAUSE_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the peer of `conn` has read everything written to it so far (or a bound passed). */
export async function peerHasRead(conn: Duplex): Promise<void> {
  if (addon === undefined) addon = loadAddon<NativeSocket>('socket', 'BERTH_NO_NATIVE_SOCKET') ?? null;
  const socket = conn as Duplex & { remoteAddress?: string; _handle?: { fd?: number } };
  // A unix socket has no remote address; its handle's fd is libuv's (Node has no public getter).
  const fd = socket.remoteAddress === undefined ? socket._handle?.fd : undefined;
  if (!addon || fd === undefined || fd < 0) return void (await sleep(PAUSE_MS));
  const native = addon;
  const unread = (): number => {
    try {
      return native.unreadBytes(fd);
    } catch {
      return 0;
    }
  };
  for (const end = Date.now() + MAX_WAIT_MS; Date.now() < end;) {
    // Node's own buffer first: what it holds has not reached the kernel's queue yet.
    if (conn.writableLength === 0 && unread() === 0) return;
    await sleep(1);
  }
}
