// berth's Go text/template engine: the entry point. Compile once, execute per row.
//
//   const t = compileTemplate('{{.Name}} {{join .Tags ","}}', { funcs: DOCKER_FUNCS });
//   t.execute({ Name: 'web', Tags: ['a', 'b'] })  // "web a,b"
//
// Values follow go-values.ts: plain objects are Go maps, class instances are structs.

import { executeTemplate } from './template-exec.js';
import { GO_BUILTINS } from './template-builtins.js';
import { fromJSFunction, type FuncTable, type TemplateFunc } from './template-func.js';
import { parseTemplate, type ParsedTemplate } from './template-parser.js';

export { TemplateError } from './template-error.js';
export { TemplateArgError, templateFunc, type FuncTable, type GoParam, type TemplateFunc } from './template-func.js';
export { DOCKER_FUNCS, DOCKER_HEADER_FUNCS } from './docker-template-funcs.js';

/** Extra functions: TemplateFunc entries, or plain functions taking their declared arity. */
export type FuncMap = FuncTable | Readonly<Record<string, TemplateFunc | ((...args: never[]) => unknown)>>;

export interface ExecuteOptions {
  /** Replaces functions for this execution only (Go's Template.Funcs after Parse). */
  funcs?: FuncMap;
}

export interface GoTemplate {
  readonly text: string;
  /** Renders data; throws TemplateError (phase "exec") on Go execution errors. */
  execute(data: unknown, options?: ExecuteOptions): string;
}

/** Parses a template; throws TemplateError (phase "parse") with Go's message. */
export function compileTemplate(text: string, options: { funcs?: FuncMap } = {}): GoTemplate {
  const funcs = mergeFuncs(GO_BUILTINS, options.funcs);
  const parsed: ParsedTemplate = parseTemplate(text, (name) => funcs.has(name));
  return {
    text,
    execute(data: unknown, exec: ExecuteOptions = {}): string {
      return executeTemplate(text, parsed, mergeFuncs(funcs, exec.funcs), data);
    },
  };
}

function mergeFuncs(base: FuncTable, extra: FuncMap | undefined): FuncTable {
  if (!extra) return base;
  const merged = new Map(base);
  const entries = extra instanceof Map ? [...extra.entries()] : Object.entries(extra);
  for (const [name, fn] of entries) merged.set(name, typeof fn === 'function' ? fromJSFunction(fn) : fn);
  return merged;
}
