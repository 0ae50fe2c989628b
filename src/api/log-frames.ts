// The bytes of `GET /containers/{id}/logs` for a batch of records: docker's multiplexed frames
// (an 8-byte header a record) or the raw bytes for a TTY container, each line after its
// RFC3339Nano time and a space with `timestamps`. One buffer a batch, sized first and filled
// once: a 100 MiB log is a million lines, and a buffer, a concat or a write per line is most of
// what reading it costs.
import { formatTimeNs, type LogRecord } from '../engine/logs/codec.js';

export function encodeLogBatch(records: readonly LogRecord[], o: { tty: boolean; timestamps: boolean; details?: string }): Buffer {
  const head = o.tty ? 0 : 8;
  // --details: the line's attributes and a space, after its timestamp (moby's order).
  const details = o.details === undefined ? undefined : Buffer.from(o.details);
  const extra = details?.length ?? 0;
  let size = 0;
  for (const r of records) size += head + r.data.length + extra + (o.timestamps ? formatTimeNs(r.timeNs).length + 1 : 0);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const r of records) {
    const stamp = o.timestamps ? formatTimeNs(r.timeNs) : '';
    const len = r.data.length + extra + (o.timestamps ? stamp.length + 1 : 0);
    if (!o.tty) {
      out[pos] = r.stream;
      out[pos + 1] = 0;
      out[pos + 2] = 0;
      out[pos + 3] = 0;
      out.writeUInt32BE(len, pos + 4);
      pos += 8;
    }
    if (o.timestamps) {
      pos += out.write(stamp, pos, 'latin1');
      out[pos++] = 0x20;
    }
    if (details) pos += details.copy(out, pos);
    pos += r.data.copy(out, pos);
  }
  return out;
}
