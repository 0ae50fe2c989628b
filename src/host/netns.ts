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

/** How long after a take the pool refills if its owner did not say it is idle before. */
const REFILL_FALLBACK_MS = 1000;

export class NetnsPool {
  private readonly ready: NetnsHolder[] = [];
  private filling?: Promise<void>;
  private fallback?: NodeJS.Timeout;
  private closed = false;

  /** `owner` tags the holders' processes (BERTH_OWNER in their environment). */
  constructor(private readonly size: number, private readonly owner: string) {}

  /**
   * A holder from the pool, or a new one. Refilling forks berthd (its event loop waits until the
   * child has exec'd) and runs two programs: on a start's path, or on its exit's, they competed
   * with conmon and crun for the CPU. So the owner calls refill() when it is idle (a container's
   * exit handled: `run --rm`'s client has its answer), and a timer refills anyway a while after a
   * take (`run -d`, whose container does not exit).
   */
  async take(): Promise<NetnsHolder> {
    let h: NetnsHolder | undefined;
    while ((h = this.ready.shift()) && !h.alive) h.release();
    this.fallback ??= setTimeout(() => this.refill(), REFILL_FALLBACK_MS).unref();
    return h ?? NetnsHolder.create(this.owner);
  }

  /** Brings the pool back to its size in the background (no-op while a refill runs). */
  refill(): void {
    clearTimeout(this.fallback);
    this.fallback = undefined;
    if (this.filling || this.closed || this.ready.length >= this.size) return;
    this.filling = (async () => {
      while (!this.closed && this.ready.length < this.size) {
        const h = await NetnsHolder.create(this.owner);
        if (this.closed) h.release();
        else this.ready.push(h);
      }
    })()
      .catch(() => undefined)
      .finally(() => (this.filling = undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.fallback);
    await this.filling;
    for (const h of this.ready.splice(0)) h.release();
  }
}
