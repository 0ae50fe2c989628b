// Signal names as the Docker API takes them (kill -s, stop -s, --stop-signal): "SIGTERM", "TERM",
// "term", "15", "RTMIN+3", parsed as moby's signal.ParseSignal does on Linux.
import { InvalidArgumentError } from '../errors.js';

const NUMBERS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10,
  SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18,
  STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27,
  WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};
// glibc keeps the kernel's first two real-time signals for itself: its SIGRTMIN is 34.
const RTMIN = 34;
const RTMAX = 64;

export interface Signal {
  /** "SIGTERM" for a named signal, the number ("99", "36") otherwise: what the runtime's kill takes. */
  name: string;
  number: number;
}

/** A signal as a client gave it; anything else is moby's 400 "Invalid signal: X". */
export function parseSignal(raw: string): Signal {
  const invalid = () => new InvalidArgumentError(`Invalid signal: ${raw}`);
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    // Past SIGRTMAX the kernel refuses it (EINVAL): a 400 here, not the runtime's 500.
    if (n === 0 || n > RTMAX) throw invalid();
    const name = Object.entries(NUMBERS).find(([, v]) => v === n)?.[0];
    return { name: name ? `SIG${name}` : String(n), number: n };
  }
  const key = raw.toUpperCase().replace(/^SIG/, '');
  const n = NUMBERS[key];
  if (n !== undefined) return { name: `SIG${key}`, number: n };
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(key);
  if (rt) {
    const base = rt[1] === 'MIN' ? RTMIN : RTMAX;
    const off = rt[3] === undefined ? 0 : Number(rt[3]);
    // moby's table: RTMIN+1 … RTMIN+15 and RTMAX-14 … RTMAX-1.
    const valid = rt[2] === undefined || (rt[1] === 'MIN' ? rt[2] === '+' && off >= 1 && off <= 15 : rt[2] === '-' && off >= 1 && off <= 14);
    if (valid) {
      const num = rt[1] === 'MIN' ? base + off : base - off;
      return { name: String(num), number: num };
    }
  }
  throw invalid();
}
