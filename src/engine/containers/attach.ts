// Attach sessions: a client's stdio joined to a container's through conmon's attach socket.
// Docker clients attach before they start a container (so they miss no output), so a session
// made while the container is only "created" waits here and is connected by start, after the
// runtime created the process and before it lets it run.
import { AttachConnection } from '../../host/attach-socket.js';

export interface AttachSink {
  output(stream: 1 | 2, data: Buffer): void;
  /** The container's output ended (it exited, or the session was detached). */
  close(): void;
}

export interface AttachWants {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** What a session writes through: its own connection to conmon, or a share of one. */
interface AttachLink {
  write(data: Buffer): void;
  endInput(): void;
  close(): void;
}

export class AttachSession {
  private link?: AttachLink;
  private queued: Buffer[] = [];
  private inputEnded = false;
  private closed = false;

  constructor(readonly wants: AttachWants, private readonly sink: AttachSink) {}

  connect(bundle: string): Promise<void> {
    return AttachSession.connectAll(bundle, [this]);
  }

  private use(link: AttachLink): void {
    this.link = link;
    for (const b of this.queued) link.write(b);
    this.queued = [];
    if (this.inputEnded) link.endInput();
  }

  private deliver(stream: 1 | 2, data: Buffer): void {
    if ((stream === 1 && this.wants.stdout) || (stream === 2 && this.wants.stderr)) this.sink.output(stream, data);
  }

  input(data: Buffer): void {
    if (!this.wants.stdin) return;
    if (this.link) this.link.write(data);
    else this.queued.push(data);
  }

  /** The client's stdin ended: conmon closes the container's stdin unless told to keep it. */
  endInput(): void {
    if (!this.wants.stdin || this.inputEnded) return;
    this.inputEnded = true;
    this.link?.endInput();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link?.close();
    this.sink.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Connects the sessions that waited for a start, through one connection: conmon accepts one
   * connection per turn of its loop and may copy the first output between two accepts, so a
   * second connection missed it (seen under load with two websocket attaches). The container's
   * stdin is shared anyway: any session's end of input closes it, as docker's StdinOnce does.
   */
  static async connectAll(bundle: string, sessions: AttachSession[]): Promise<void> {
    const live = sessions.filter((s) => !s.closed);
    if (!live.length) return;
    let users = live.length;
    const conn = await AttachConnection.connect(bundle, {
      onOutput: (stream, data) => {
        for (const s of live) if (!s.closed) s.deliver(stream, data);
      },
      onClose: () => {
        for (const s of live) s.close();
      },
    });
    for (const s of live) {
      let released = false;
      s.use({
        write: (data) => conn.write(data),
        endInput: () => conn.endInput(),
        close: () => {
          if (released) return;
          released = true;
          if (--users === 0) conn.close();
        },
      });
      // Closed while the connection was being made.
      if (s.closed) s.link?.close();
    }
  }
}

/**
 * A sink for a session made before its client's connection is ready (the websocket attach: the
 * session must exist before the handshake answers, or a client that starts the container as soon
 * as its socket opens misses the first output). Output waits here until `deliverTo`.
 */
export class HeldSink implements AttachSink {
  private to?: AttachSink;
  private held: Array<[1 | 2, Buffer]> = [];
  private ended = false;

  get delivered(): boolean {
    return this.to !== undefined;
  }

  output(stream: 1 | 2, data: Buffer): void {
    if (this.to) this.to.output(stream, data);
    else this.held.push([stream, Buffer.from(data)]);
  }

  close(): void {
    if (this.to) this.to.close();
    else this.ended = true;
  }

  /** Sends what was held, then everything after, to `to`. */
  deliverTo(to: AttachSink): void {
    this.to = to;
    for (const [stream, data] of this.held.splice(0)) to.output(stream, data);
    if (this.ended) to.close();
  }
}

/** Sessions waiting for their container to start, by container ID. */
export class PendingAttaches {
  private byId = new Map<string, Set<AttachSession>>();

  add(id: string, s: AttachSession): void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(s);
  }

  delete(id: string, s: AttachSession): void {
    const set = this.byId.get(id);
    set?.delete(s);
    // An empty set would stay keyed by a container that may never start.
    if (set?.size === 0) this.byId.delete(id);
  }

  /** Hands over (and forgets) the sessions waiting for this container. */
  take(id: string): AttachSession[] {
    const set = this.byId.get(id);
    this.byId.delete(id);
    return set ? [...set].filter((s) => !s.isClosed) : [];
  }
}
