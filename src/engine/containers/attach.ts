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

export class AttachSession {
  private conn?: AttachConnection;
  private queued: Buffer[] = [];
  private inputEnded = false;
  private closed = false;

  constructor(readonly wants: AttachWants, private readonly sink: AttachSink) {}

  async connect(bundle: string): Promise<void> {
    if (this.closed) return;
    this.conn = await AttachConnection.connect(bundle, {
      onOutput: (stream, data) => {
        if ((stream === 1 && this.wants.stdout) || (stream === 2 && this.wants.stderr)) this.sink.output(stream, data);
      },
      onClose: () => this.close(),
    });
    for (const b of this.queued) this.conn.write(b);
    this.queued = [];
    if (this.inputEnded) this.conn.endInput();
  }

  input(data: Buffer): void {
    if (!this.wants.stdin) return;
    if (this.conn) this.conn.write(data);
    else this.queued.push(data);
  }

  /** The client's stdin ended: conmon closes the container's stdin unless told to keep it. */
  endInput(): void {
    if (!this.wants.stdin || this.inputEnded) return;
    this.inputEnded = true;
    this.conn?.endInput();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn?.close();
    this.sink.close();
  }

  get isClosed(): boolean {
    return this.closed;
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
