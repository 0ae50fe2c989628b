// New network namespaces for containers, each held by a process rather than a bind-mounted
// file: `unshare --net ip -force -batch -` creates the namespace and keeps an ip process in it,
// reading commands from berthd (so configuring the interfaces inside costs pipe writes, not
// process starts). The runtime joins the namespace by path (/proc/PID/ns/net); then the holder
// is let go, and the namespace, with its veth ends, lives exactly as long as the container's
// processes: nothing to unmount, nothing left behind if berthd dies (the holder reads EOF).
// A few holders are made ahead of time, off the start path.
import { IpBatchSession } from './iproute.js';

export class NetnsHolder {
  private constructor(readonly session: IpBatchSession) {}

  static async create(owner: string): Promise<NetnsHolder> {
    const session = new IpBatchSession(owner, ['unshare', '--net', 'ip', '-force', '-batch', '-'], false);
    // The first command has run once it answers: the namespace exists, its loopback is up.
    await session.run(['link set lo up']);
    return new NetnsHolder(session);
  }

  get path(): string {
    return `/proc/${this.session.pid}/ns/net`;
  }

  get pid(): number {
    return this.session.pid ?? 0;
  }

  get alive(): boolean {
    return this.session.alive;
  }

  /** Runs ip commands inside the namespace. */
  run(lines: string[]): Promise<void> {
    return this.session.run(lines);
  }

  /** Lets the namespace go: it ends with the last process in it. */
  release(): void {
    this.session.close();
  }
}

export class NetnsPool {
  private readonly ready: NetnsHolder[] = [];
  private filling?: Promise<void>;
  private closed = false;

  /** `owner` tags the holders' processes (BERTH_OWNER in their environment). */
  constructor(private readonly size: number, private readonly owner: string) {}

  /** A holder from the pool, or a new one; the pool refills in the background. */
  async take(): Promise<NetnsHolder> {
    let h: NetnsHolder | undefined;
    while ((h = this.ready.shift()) && !h.alive) h.release();
    this.refillSoon();
    return h ?? NetnsHolder.create(this.owner);
  }

  private refillSoon(): void {
    if (this.filling || this.closed) return;
    // After the start that took one has gone on (runtime create): do not compete with it.
    this.filling = new Promise<void>((r) => setTimeout(r, 30).unref())
      .then(async () => {
        while (!this.closed && this.ready.length < this.size) {
          const h = await NetnsHolder.create(this.owner);
          if (this.closed) h.release();
          else this.ready.push(h);
        }
      })
      .catch(() => undefined)
      .finally(() => (this.filling = undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    for (const h of this.ready.splice(0)) h.release();
  }
}
