// A Dockerfile as the builder reads it: parser directives, stages and their instructions, each
// with its line, flags, arguments (continuations joined, comment lines inside them dropped, as
// BuildKit's parser does), JSON (exec) form when the arguments are a JSON string array, and
// heredoc bodies. dockerfile-ast (the parser behind the Dockerfile language server) finds the
// instructions, their extent and the directives; the argument text is cut here because the
// language server keeps comment lines inside continuations and drops spaces in JSON strings.
import { DockerfileParser } from 'dockerfile-ast';
import { InvalidArgumentError } from '../../errors.js';

export const KNOWN = new Set([
  'from', 'run', 'cmd', 'entrypoint', 'env', 'arg', 'label', 'expose', 'workdir', 'user', 'volume',
  'copy', 'add', 'stopsignal', 'healthcheck', 'shell', 'onbuild', 'maintainer',
]);

export interface Heredoc {
  name: string;
  body: string;
  /** <<-NAME: leading tabs stripped. */
  chomp: boolean;
  /** <<"NAME" / <<'NAME': no expansion in the body. */
  quoted: boolean;
}

export interface DfInstruction {
  /** Lower-case keyword ("run"). */
  cmd: string;
  /** 1-based line of the keyword. */
  line: number;
  /** The instruction as one line, as docker prints it in "Step 1/5 : …". */
  original: string;
  /** `--name=value` flags before the arguments (repeatable flags keep every value). */
  flags: Array<[string, string]>;
  /** Arguments after the flags, one logical line (heredoc bodies excluded). */
  args: string;
  /** The arguments as a JSON string array (exec form), when they are one. */
  json?: string[];
  heredocs: Heredoc[];
}

export interface Stage {
  index: number;
  /** `AS name`, lower-cased. */
  name?: string;
  from: DfInstruction;
  instructions: DfInstruction[];
}

export interface ParsedDockerfile {
  escape: string;
  /** ARG instructions before the first FROM. */
  metaArgs: DfInstruction[];
  stages: Stage[];
}

export class DockerfileParseError extends InvalidArgumentError {
  constructor(line: number, message: string) {
    // Current moby's words (buildkit's parser; dockerd 20.10 said "dockerfile parse error line N").
    super(`dockerfile parse error on line ${line}: ${message}`);
  }
}

/** Joins continuation lines; comment and empty lines inside a continuation are dropped. */
export function joinContinuations(raw: string, escape: string): string {
  const lines = raw.split(/\r?\n/);
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (i > 0 && /^\s*(#.*)?$/.test(line)) continue;
    const cont = line.replace(/\s+$/, '');
    if (cont.endsWith(escape) && !cont.endsWith(escape + escape)) {
      out += cont.slice(0, -escape.length);
      continue;
    }
    out += line;
  }
  return out.trim();
}

const HEREDOC_RE = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** Splits an instruction's raw text into its command line and heredoc bodies. */
function cutHeredocs(raw: string, escape: string, names: string[]): { line: string; heredocs: Heredoc[] } {
  if (names.length === 0) return { line: joinContinuations(raw, escape), heredocs: [] };
  const lines = raw.split(/\r?\n/);
  const first = lines.shift() ?? '';
  const heredocs: Heredoc[] = [];
  for (const m of first.matchAll(HEREDOC_RE)) {
    const chomp = m[1] === '-';
    const name = m[3]!;
    const body: string[] = [];
    while (lines.length > 0) {
      const l = lines.shift()!;
      if ((chomp ? l.replace(/^\t+/, '') : l) === name) break;
      body.push(chomp ? l.replace(/^\t+/, '') : l);
    }
    heredocs.push({ name, body: body.length ? body.join('\n') + '\n' : '', chomp, quoted: m[2] !== '' });
  }
  return { line: first.trim(), heredocs };
}

function splitFlags(line: string): { flags: Array<[string, string]>; rest: string } {
  const flags: Array<[string, string]> = [];
  let rest = line;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?\s*/.exec(rest);
    if (!m) break;
    flags.push([m[1]!.toLowerCase(), m[2] ?? 'true']);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function jsonForm(args: string): string[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Flags each instruction accepts (BuildKit's, those berth implements or ignores harmlessly). */
const FLAGS: Record<string, string[]> = {
  from: ['platform'],
  copy: ['from', 'chown', 'chmod', 'link', 'exclude', 'parents'],
  add: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'],
  run: ['network', 'mount', 'security'],
  healthcheck: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

/** Reads one instruction's text (e.g. an ONBUILD trigger) with the same rules. */
export function parseInstructionText(text: string, line: number, escape = '\\'): DfInstruction {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
  if (!m) throw new DockerfileParseError(line, 'empty instruction');
  return makeInstruction(m[1]!, m[2]!, line, escape, []);
}

function makeInstruction(keyword: string, rawArgs: string, line: number, escape: string, heredocNames: string[]): DfInstruction {
  const cmd = keyword.toLowerCase();
  if (!KNOWN.has(cmd)) throw new DockerfileParseError(line, `unknown instruction: ${keyword.toUpperCase()}`);
  const { line: argLine, heredocs } = cutHeredocs(rawArgs, escape, ['run', 'copy', 'add'].includes(cmd) ? heredocNames : []);
  const allowed = FLAGS[cmd];
  const { flags, rest } = allowed ? splitFlags(argLine) : { flags: [], rest: argLine };
  for (const [f] of flags) {
    if (!allowed!.includes(f)) throw new DockerfileParseError(line, `unknown flag: ${f}`);
  }
  const original = `${keyword.toUpperCase()} ${argLine}`.trim();
  const json = ['run', 'cmd', 'entrypoint', 'shell', 'copy', 'add', 'volume'].includes(cmd) && heredocs.length === 0 ? jsonForm(rest) : undefined;
  return { cmd, line, original, flags, args: rest, json, heredocs };
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const df = DockerfileParser.parse(text);
  const lines = text.split('\n');
  const escape = df.getEscapeCharacter() || '\\';
  if (escape !== '\\' && escape !== '`') throw new DockerfileParseError(1, `invalid ESCAPE '${escape}'. Must be ` + '` or \\');
  const metaArgs: DfInstruction[] = [];
  const stages: Stage[] = [];
  for (const ins of df.getInstructions()) {
    const line = ins.getRange().start.line + 1;
    // The instruction's own text, keyword cut off: dockerfile-ast's argument text leaves out flags.
    const r = ins.getRange();
    const raw = lines.slice(r.start.line, r.end.line + 1).join('\n').replace(/^\s*\S+[ \t]*/, '');
    const heredocs = (ins as unknown as { getHeredocs?: () => Array<{ getName(): string }> }).getHeredocs?.() ?? [];
    const i = makeInstruction(ins.getKeyword(), raw, line, escape, heredocs.map((h) => h.getName()));
    if (['run', 'cmd', 'entrypoint', 'shell'].includes(i.cmd) && i.args === '' && i.heredocs.length === 0) {
      throw new DockerfileParseError(line, `${i.cmd.toUpperCase()} requires at least one argument`);
    }
    if (i.cmd === 'from') {
      const words = i.args.split(/\s+/).filter(Boolean);
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
        throw new DockerfileParseError(line, 'FROM requires either one or three arguments');
      }
      const name = words[2]?.toLowerCase();
      if (name !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(name)) {
        throw new DockerfileParseError(line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      }
      if (name !== undefined && stages.some((s) => s.name === name)) {
        throw new DockerfileParseError(line, `duplicate stage name "${name}"`);
      }
      stages.push({ index: stages.length, name, from: i, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (i.cmd !== 'arg') throw new DockerfileParseError(line, 'no build stage in current context');
      metaArgs.push(i);
      continue;
    }
    stage.instructions.push(i);
  }
  if (stages.length === 0) throw new InvalidArgumentError('Dockerfile parse error: file with no instructions');
  return { escape, metaArgs, stages };
}
