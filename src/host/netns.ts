// New network namespaces for containers, each held by a process rather than a bind-mounted
// file: `unshare --net ip -force -batch -` creates the namespace and keeps an ip process in it,
// reading commands from berthd (so configuring the interfaces inside costs pipe writes, not
// process starts). The runtime joins the namespace by path (/proc/PID/ns/net); then the holder
// is let go, and the namespace, with its veth ends, lives exactly as long as the container's
// processes: nothing to unmount, nothing left behind if berthd dies (the holder reads EOF).
// A few holders are made ahead of time, off the start path.
import { IpBatchSession } from './iproute.js';

const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/default/route_localnet';

/**
 * route_localnet would also let a neighbour on the bridge reach what listens on the container's
 * own 127.0.0.1 (a frame to its MAC with a loopback destination; CVE-2020-8558). These rules
 * route 127.0.0.0/8 only for the container's own packets (iif lo); from any interface it is a
 * blackhole. The local table's rule moves from 0 to 100, after them.
 */
const LOOPBACK_GUARD = [
  'rule add pref 100 lookup local',
  'rule del pref 0 lookup local',
  'rule add pref 9 iif lo to 127.0.0.0/8 lookup local',
  'rule add pref 10 to 127.0.0.0/8 blackhole',
];

export class NetnsHolder {
  private constructor(readonly session: IpBatchSession) {}

  static async create(owner: string): Promise<NetnsHolder> {
    // route_localnet on for the interfaces made in the namespace: the embedded DNS's answers come
    // from 127.0.0.11 through eth0 (engine/network/firewall-rules.ts), which the kernel otherwise
    // drops as a martian source. A sysctl of a namespace is written from inside it, hence the
    // shell before the ip process (the pool makes it ahead of time, off the start path).
    const session = new IpBatchSession(owner, ['unshare', '--net', 'sh', '-c', `echo 1 > ${ROUTE_LOCALNET} && exec ip -force -batch -`], false);
    // The first commands have run once they answer: the namespace exists, its loopback is up.
    await session.run(['link set lo up', ...LOOPBACK_GUARD]);
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
