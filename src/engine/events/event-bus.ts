// Engine events (`docker events`): every lifecycle step of containers, images and volumes is
// published here; the API streams them. A short history serves `--since`.
import { EventEmitter } from 'node:events';

export interface EngineEvent {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

const HISTORY = 1000;

export class EventBus {
  private emitter = new EventEmitter();
  private history: EngineEvent[] = [];
  /**
   * Each event's time to the nanosecond: timeNano, a double, is ~256 ns off at today's values,
   * and JSON.stringify prints it rounded further, while the docker CLI's --since/--until are
   * exact (an event must not fall on the wrong side of a time it printed itself).
   */
  private readonly exact = new WeakMap<EngineEvent, bigint>();
  private last = 0n;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): void {
    let nowNs = BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
    // In publishing order, as the history is (the sub-millisecond part is the monotonic clock's).
    if (nowNs <= this.last) nowNs = this.last + 1n;
    this.last = nowNs;
    const ev: EngineEvent = {
      Type: type,
      Action: action,
      // Sorted, as Go writes a map: the same bytes as dockerd's.
      Actor: { ID: id, Attributes: Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    this.exact.set(ev, nowNs);
    this.history.push(ev);
    if (this.history.length > HISTORY) this.history.shift();
    this.emitter.emit('event', ev);
  }

  since(timeNano: bigint): EngineEvent[] {
    return this.history.filter((e) => this.nanos(e) >= timeNano);
  }

  nanos(ev: EngineEvent): bigint {
    return this.exact.get(ev) ?? BigInt(ev.timeNano);
  }

  /** The event as the API sends it (`extra` fields first), with its exact timeNano. */
  json(ev: EngineEvent, extra: Record<string, string | undefined> = {}): string {
    return JSON.stringify({ ...extra, ...ev }).replace(/"timeNano":[^,}]+}$/, `"timeNano":${this.nanos(ev)}}`);
  }

  subscribe(listener: (ev: EngineEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
