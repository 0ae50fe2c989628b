// Progress of a pull or push as dockerd reports it (moby pkg/progress → jsonmessage): one
// message per layer state change, "Downloading"/"Pushing" with progressDetail, throttled so a
// fast loopback transfer does not send thousands of lines.
import type { JSONMessage } from '../../protocol/json-messages.js';

export type ProgressSink = (msg: JSONMessage) => void;

/** The 12-hex short form docker shows for layer and image IDs. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Per-id throttle for byte counters: at most one update per `everyMs`, plus the last. */
export class ProgressThrottle {
  private last = new Map<string, number>();

  constructor(
    private readonly sink: ProgressSink,
    private readonly everyMs = 100,
  ) {}

  bytes(id: string, status: string, current: number, total: number, start: number): void {
    const now = Date.now();
    if (current < total && now - (this.last.get(id) ?? 0) < this.everyMs) return;
    this.last.set(id, now);
    this.sink({ status, progressDetail: { current, total, start }, id });
  }
}
