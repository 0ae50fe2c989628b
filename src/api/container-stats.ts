// GET /containers/{id}/stats: the engine's samples (engine/containers/stats.ts), one a second while
// streaming, or one (two, for docker's CPU percentage) with stream=0.
import { sampleStats, statsJson, type StatsSample } from '../engine/containers/stats.js';
import type { ContainerRecord } from '../engine/containers/types.js';
import type { ApiRequest } from './http.js';

export async function streamStats(r: ApiRequest, rec: ContainerRecord, isRunning: () => boolean): Promise<void> {
  const res = r.response();
  const stream = r.bool('stream', true) && !r.bool('one-shot');
  res.writeHead(200, { 'Content-Type': 'application/json' });
  let prev: StatsSample | undefined;
  if (!stream) {
    // docker stats --no-stream wants a CPU percentage: take two samples a moment apart.
    if (!r.bool('one-shot') && isRunning()) {
      prev = await sampleStats(rec);
      await new Promise((t) => setTimeout(t, 500));
    }
    res.end(JSON.stringify(statsJson(rec, await sampleStats(rec), prev)) + '\n');
    return;
  }
  let closed = false;
  res.on('close', () => (closed = true));
  while (!closed) {
    const cur = await sampleStats(rec);
    res.write(JSON.stringify(statsJson(rec, cur, prev)) + '\n');
    prev = cur;
    if (!isRunning()) break;
    await new Promise((t) => setTimeout(t, 1000));
  }
  res.end();
}
