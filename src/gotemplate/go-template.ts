// berth's Go text/template engine: the entry point. Compile once, execute per row.
//
//   const t = compileTemplate('{{.Name}} {{join .Tags ","}}', { funcs: DOCKER_FUNCS });
//   t.execute({ Name: 'web', Tags: ['a', 'b'] })  // "web a,b"
//
// Values follow go-values.ts: plain objects are Go maps, class instances are structs.

import { goKind, structMember } from './go-values.js';
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
  const fields = fieldsOnly(parsed);
  return {
    text,
    execute(data: unknown, exec: ExecuteOptions = {}): string {
      const fast = fields && !exec.funcs ? renderFields(fields, data) : undefined;
      return fast ?? executeTemplate(text, parsed, mergeFuncs(funcs, exec.funcs), data);
    },
  };
}

/** A template of text and `{{.Field}}` actions only: the texts around the field names. */
export interface FieldsOnly {
  /** One more than `names`: the text before each field, and after the last. */
  texts: string[];
  names: string[];
}

/**
 * The parts of a template made of text and single-field actions (`{{.ID}}\t{{.Image}}`, the
 * tables' defaults), or undefined for anything else. Such a template is rendered for a struct
 * row by renderFields without the general walk: `ps` with 500 rows is 3,500 field actions, which
 * the walk (pipeline, command, field chain, guarded call) made ~15 ms of the command.
 */
export function fieldsOnly(parsed: ParsedTemplate): FieldsOnly | undefined {
  const texts = [''];
  const names: string[] = [];
  for (const node of parsed.root.nodes) {
    if (node.kind === 'text') {
      texts[texts.length - 1] += node.text;
      continue;
    }
    if (node.kind !== 'action' || node.pipe.decl.length || node.pipe.cmds.length !== 1) return undefined;
    const args = node.pipe.cmds[0]!.args;
    const field = args[0];
    if (args.length !== 1 || field?.kind !== 'field' || field.ident.length !== 1) return undefined;
    names.push(field.ident[0]!);
    texts.push('');
  }
  return texts.length > 1 ? { texts, names } : undefined;
}

/**
 * `fields` rendered for a struct whose named members are strings or getters returning strings:
 * what the walk prints for them. Undefined for any other case (a map, another type, a missing
 * field, a getter that throws), which the walk then renders with Go's rules and errors.
 */
export function renderFields(fields: FieldsOnly, data: unknown): string | undefined {
  if (goKind(data) !== 'struct') return undefined;
  let out = fields.texts[0]!;
  for (let i = 0; i < fields.names.length; i++) {
    const member = structMember(data as object, fields.names[i]!);
    if (!member) return undefined;
    let value = member.value;
    if (typeof value === 'function') {
      if (value.length !== 0) return undefined;
      try {
        value = (value as () => unknown).call(data);
      } catch {
        return undefined;
      }
    }
    if (typeof value !== 'string') return undefined;
    out += value + fields.texts[i + 1]!;
  }
  return out;
}

function mergeFuncs(base: FuncTable, extra: FuncMap | undefined): FuncTable {
  if (!extra) return base;
  const merged = new Map(base);
  const entries = extra instanceof Map ? [...extra.entries()] : Object.entries(extra);
  for (const [name, fn] of entries) merged.set(name, typeof fn === 'function' ? fromJSFunction(fn) : fn);
  return merged;
}
