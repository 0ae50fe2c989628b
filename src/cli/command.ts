// What a berth command is, what it gets to run, and how it ends.

import type { Transport } from '../client/transport.js';
import type { FlagSpec, Flags } from './flags.js';

export const BIN = 'berth';

export interface GlobalOptions {
  hosts: string[];
  debug: boolean;
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert?: string;
  tlsCert?: string;
  tlsKey?: string;
  config?: string;
  logLevel?: string;
}

export interface Ctx {
  /** "berth run", "berth container ls": what help and error messages call the command. */
  readonly commandPath: string;
  /** The daemon's transport, made on first use (one keep-alive agent for the command). */
  transport(): Transport;
  /** An API group over that transport: ctx.api(ContainersApi).start(id). */
  api<T>(group: ApiGroup<T>): T;
  readonly stdout: NodeJS.WriteStream;
  /**
   * Writes a command's output that is complete in one string (version, inspect): before anything
   * has made process.stdout, one write(2) to fd 1 — which is what process.stdout does on Linux for
   * files, pipes and terminals too — without loading node's stream modules (~2 ms of a start).
   */
  print(text: string): void;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly env: NodeJS.ProcessEnv;
  readonly globals: GlobalOptions;
  /** The command's usage line without the leading "Usage:  ". */
  readonly usage: string;
}

/** A resource group of the client (ContainersApi, ImagesApi, …): built on a transport. */
export type ApiGroup<T> = new (transport: Transport) => T;

export interface ArgRule {
  min?: number;
  max?: number;
}

export interface CommandDef {
  /** After the command path: "[OPTIONS] IMAGE [COMMAND] [ARG...]". */
  use: string;
  /** One line: what the command does. */
  short: string;
  /** More text for --help, after the short line. */
  long?: string;
  flags: FlagSpec[];
  /** Flags after the first positional argument are still flags (default true). */
  interspersed?: boolean;
  args?: ArgRule;
  /** Take the arguments as they are, without parsing flags (stubs). */
  rawArgs?: boolean;
  /** Returns the exit code (default 0). */
  run(ctx: Ctx, flags: Flags, args: string[]): Promise<number | void>;
}

/** Ends the command with an exit code; the message (if any) goes to stderr first. */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  constructor(
    readonly status: number,
    message = '',
  ) {
    super(message);
  }
}

/** Wrong arguments: printed with the usage line, exit 1 (flag errors: 125). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

export function plural(n: number, word: string): string {
  return n === 1 ? `${n} ${word}` : `${n} ${word}s`;
}

/** Cobra's argument-count messages, as docker words them. */
export function checkArgs(rule: ArgRule | undefined, args: readonly string[], commandPath: string): string | undefined {
  if (!rule) return undefined;
  const { min, max } = rule;
  const n = args.length;
  if (min !== undefined && max !== undefined && min === max) {
    if (n === min) return undefined;
    if (min === 0) return `'${commandPath}' accepts no arguments`;
    return `'${commandPath}' requires ${plural(min, 'argument')}`;
  }
  if (min !== undefined && min > 0 && max !== undefined) {
    if (n >= min && n <= max) return undefined;
    return `'${commandPath}' requires at least ${plural(min, 'argument').replace(/ arguments?$/, '')} and at most ${plural(max, 'argument')}`;
  }
  if (min !== undefined && n < min) return `'${commandPath}' requires at least ${plural(min, 'argument')}`;
  if (max !== undefined && n > max) return `'${commandPath}' requires at most ${plural(max, 'argument')}`;
  return undefined;
}
