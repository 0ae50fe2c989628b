// Latency against the number of running containers, as an SVG, from bench/scale.sh's results.tsv
// (engine, client, op, running, value, unit, detail; see its header). One panel per command
// (run, inspect, ps -q, ps, stats, logs), one line per engine and client, each panel on its own
// linear scale from 0 so a flat line reads as flat cost. Hand-written: a few dozen lines of SVG
// need no chart library.
//
// usage: node dist/bench/chart.js RESULTS.tsv OUT.svg [--title TEXT]
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface Point {
  engine: string;
  client: string;
  op: string;
  running: number;
  ms: number;
}

const OPS = ['run', 'inspect', 'ps-q', 'ps', 'stats', 'logs'];
const OP_LABEL: Record<string, string> = { run: 'run --rm busybox true', inspect: 'inspect', 'ps-q': 'ps -q', ps: 'ps', stats: 'stats --no-stream', logs: 'logs' };
// berth in blues (two clients), dockerd orange, podman purple; anything else grey.
const COLOURS: Record<string, string> = { 'berth/docker': '#1f5fbf', 'berth/berth': '#5fa8e8', 'dockerd/docker': '#e07b00', 'podman/podman': '#8a3fb8' };
const SERIES_LABEL: Record<string, string> = { 'berth/docker': 'berthd ← docker CLI', 'berth/berth': 'berthd ← berth CLI', 'dockerd/docker': 'dockerd ← docker CLI', 'podman/podman': 'podman' };

/** The latency lines of a results.tsv (median ms of one command at a number of running containers). */
export function parseResults(tsv: string): Point[] {
  const out: Point[] = [];
  for (const line of tsv.split('\n')) {
    const [engine, client, op, running, value, unit] = line.split('\t');
    if (!engine || engine === 'engine' || unit !== 'ms' || !OPS.includes(op ?? '')) continue;
    const n = Number(running);
    const ms = Number(value);
    if (Number.isFinite(n) && Number.isFinite(ms)) out.push({ engine, client: client ?? '-', op: op!, running: n, ms });
  }
  return out;
}

/** A "nice" axis top and step for values up to max: 1, 2 or 5 times a power of ten. */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1));

export function renderChart(points: Point[], title: string): string {
  const ops = OPS.filter((op) => points.some((p) => p.op === op));
  const series = [...new Set(points.map((p) => `${p.engine}/${p.client}`))].sort((a, b) => Object.keys(COLOURS).indexOf(a) - Object.keys(COLOURS).indexOf(b));
  const xs = [...new Set(points.map((p) => p.running))].sort((a, b) => a - b);
  const xMax = Math.max(1, ...xs);
  const cols = Math.min(3, Math.max(1, ops.length));
  const rows = Math.max(1, Math.ceil(ops.length / cols));
  const pw = 300, ph = 200, ml = 52, mr = 16, mt = 34, mb = 40;
  const cellW = ml + pw + mr, cellH = mt + ph + mb;
  const legendH = 24 * Math.ceil(series.length / 2) + 8;
  const W = cols * cellW + 20, H = 50 + rows * cellH + legendH;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  o.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  ops.forEach((op, i) => {
    const x0 = 10 + (i % cols) * cellW + ml, y0 = 50 + Math.floor(i / cols) * cellH + mt;
    const mine = points.filter((p) => p.op === op);
    const { top, step } = niceScale(Math.max(...mine.map((p) => p.ms)));
    const X = (n: number) => x0 + (n / xMax) * pw;
    const Y = (v: number) => y0 + ph - (v / top) * ph;
    o.push(`<text x="${x0 + pw / 2}" y="${y0 - 12}" text-anchor="middle" font-size="13" font-weight="bold">${esc(OP_LABEL[op] ?? op)}</text>`);
    for (let v = 0; v <= top + step / 2; v += step) {
      o.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e4e4e4"/>`);
      o.push(`<text x="${x0 - 6}" y="${Y(v) + 4}" text-anchor="end" fill="#555">${fmt(v)}</text>`);
    }
    for (const n of xs) o.push(`<text x="${X(n)}" y="${y0 + ph + 16}" text-anchor="middle" fill="#555">${n}</text>`);
    o.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${y0 + ph}" y2="${y0 + ph}" stroke="#888"/><line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 + ph}" stroke="#888"/>`);
    o.push(`<text x="${x0 + pw / 2}" y="${y0 + ph + 32}" text-anchor="middle" fill="#333">containers running</text>`);
    o.push(`<text transform="translate(${x0 - 40} ${y0 + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">ms (median)</text>`);
    for (const s of series) {
      const pts = mine.filter((p) => `${p.engine}/${p.client}` === s).sort((a, b) => a.running - b.running);
      if (!pts.length) continue;
      const colour = COLOURS[s] ?? '#777';
      o.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((p) => `${X(p.running).toFixed(1)},${Y(p.ms).toFixed(1)}`).join(' ')}"/>`);
      for (const p of pts) o.push(`<circle cx="${X(p.running).toFixed(1)}" cy="${Y(p.ms).toFixed(1)}" r="3" fill="${colour}"><title>${esc(`${SERIES_LABEL[s] ?? s}, ${op}, ${p.running} running: ${p.ms} ms`)}</title></circle>`);
    }
  });
  const ly = 50 + rows * cellH + 4;
  series.forEach((s, i) => {
    const x = 30 + (i % 2) * 300, y = ly + Math.floor(i / 2) * 24;
    o.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${COLOURS[s] ?? '#777'}" stroke-width="3"/><text x="${x + 32}" y="${y + 4}">${esc(SERIES_LABEL[s] ?? s)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node dist/bench/chart.js RESULTS.tsv OUT.svg [--title TEXT]');
    process.exit(2);
  }
  const t = process.argv.indexOf('--title');
  const title = t > 0 ? process.argv[t + 1]! : 'Latency against the number of running containers';
  const points = parseResults(readFileSync(input, 'utf8'));
  if (!points.length) {
    console.error(`${input}: no latency lines (engine, client, op, running, value, unit=ms)`);
    process.exit(1);
  }
  writeFileSync(output, renderChart(points, title));
}
