// The executor of Go's text/template (text/template, exec.go) over JavaScript values, with Go's
// semantics for fields, methods, variables, pipelines and control structures, and Go's error
// messages: `template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type T`.

import { formatValue } from './go-print.js';
import { goKind, goTypeName, isTrue, mapGet, mapHas, sortedMapEntries, structMember, type GoMap } from './go-values.js';
import {
  nodeString,
  type AnyNode,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type PipeNode,
  type VariableNode,
} from './template-ast.js';
import {
  fromJSFunction,
  goParamName,
  TemplateArgError,
  type FuncTable,
  type GoParam,
  type TemplateFunc,
} from './template-func.js';
import { TemplateError } from './template-error.js';
import type { ParsedTemplate } from './template-parser.js';

/** "No final argument": the command is not fed by a preceding pipeline stage. */
const NO_FINAL: unique symbol = Symbol('no final argument');
/** The value piped into a command, or NO_FINAL. */
type Final = unknown;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_TEMPLATE_DEPTH = 1000;

interface Variable {
  name: string;
  value: unknown;
}

export function executeTemplate(text: string, parsed: ParsedTemplate, funcs: FuncTable, data: unknown): string {
  const out: string[] = [];
  try {
    new Execution(text, parsed, funcs, out, '', 0).run(parsed.root, data);
  } catch (e) {
    if (e instanceof TemplateError) e.output = out.join('');
    throw e;
  }
  return out.join('');
}

class Execution {
  private node: AnyNode | undefined;
  private vars: Variable[] = [];

  constructor(
    private readonly text: string,
    private readonly parsed: ParsedTemplate,
    private readonly funcs: FuncTable,
    private readonly out: string[],
    private readonly name: string,
    private readonly depth: number,
  ) {}

  run(root: ListNode, data: unknown): void {
    this.vars = [{ name: '$', value: data }];
    this.walk(data, root);
  }

  // ---- errors

  private at(node: AnyNode): void {
    this.node = node;
  }

  private errorf(message: string): never {
    const name = JSON.stringify(this.name);
    if (!this.node) throw new TemplateError('exec', `template: ${this.name}: ${message}`);
    throw new TemplateError('exec', `template: ${this.location(this.node.pos)}: executing ${name} at <${nodeString(this.node)}>: ${message}`);
  }

  /** ":line:col" where col counts UTF-8 bytes from the line start, as Go's ErrorContext does. */
  private location(pos: number): string {
    const before = this.text.slice(0, pos);
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.split('\n').length;
    return `:${line}:${Buffer.byteLength(before.slice(lineStart))}`;
  }

  // ---- walking

  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node.name, node.pipe);
      case 'text':
        this.out.push(node.text);
        return;
    }
  }

  private printValue(node: Node, value: unknown): void {
    this.at(node);
    if (value === undefined) this.out.push('<no value>');
    else if (goKind(value) === 'func') this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(value)}`);
    else this.out.push(formatValue(value));
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (isTrue(value)) this.walk(node.kind === 'with' ? value : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    this.at(node);
    const outer = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      const mark = this.vars.length;
      const { decl, isAssign } = node.pipe;
      const iteration = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (isAssign) this.setVar(decl[0]?.ident[0] ?? '', decl.length > 1 ? index : elem);
          else (this.vars[this.vars.length - 1] as Variable).value = elem;
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(decl[1]?.ident[0] ?? '', elem);
          else (this.vars[this.vars.length - 2] as Variable).value = index;
        }
        try {
          this.walk(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = mark;
        }
        return true;
      };
      let iterated = false;
      switch (goKind(value)) {
        case 'slice':
          for (const [i, elem] of (value as unknown[]).entries()) {
            iterated = true;
            if (!iteration(i, elem)) break;
          }
          break;
        case 'map':
          for (const [k, elem] of sortedMapEntries(value as GoMap)) {
            iterated = true;
            if (!iteration(k, elem)) break;
          }
          break;
        case 'int':
          // Go 1.22: range over an integer counts from 0.
          for (let i = 0; i < Number(value); i++) {
            iterated = true;
            if (!iteration(i, i)) break;
          }
          break;
        case 'invalid':
        case 'nil':
          break;
        default:
          this.errorf(`range can't iterate over ${formatValue(value)}`);
      }
      if (!iterated && node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = outer;
    }
  }

  private walkTemplate(dot: unknown, name: string, pipe: PipeNode | undefined): void {
    const list = this.parsed.defined.get(name);
    if (!list) this.errorf(`template ${JSON.stringify(name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const newDot = pipe ? this.evalPipeline(dot, pipe) : undefined;
    // No dynamic scoping: the invoked template sees only $ = its dot.
    new Execution(this.text, this.parsed, this.funcs, this.out, name, this.depth + 1).run(list, newDot);
  }

  // ---- variables

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // ---- evaluation

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go digs into interface{} values: a nil found in a map or slice becomes "no value".
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      const name = v.ident[0] ?? '';
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0] as ArgNode;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return first.value;
      case 'string':
        return first.text;
    }
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(chain);
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, chain.node, 'any');
    return this.evalFieldChain(dot, receiver, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, variable: VariableNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(variable);
    const value = this.varValue(variable.ident[0] ?? '');
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: ArgNode, ident: readonly string[], args: readonly ArgNode[], final: Final): unknown {
    let r = receiver;
    for (const name of ident.slice(0, -1)) r = this.evalField(dot, name, node, [], NO_FINAL, r);
    return this.evalField(dot, ident[ident.length - 1] ?? '', node, args, final, r);
  }

  private evalField(dot: unknown, name: string, node: ArgNode, args: readonly ArgNode[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined) return undefined;
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    switch (goKind(receiver)) {
      case 'nil':
        return this.errorf(`nil pointer evaluating interface {}.${name}`);
      case 'struct': {
        const member = structMember(receiver as object, name);
        if (member === undefined) break;
        if (typeof member.value === 'function') {
          // A row's getter ({{.ID}}): called at once, as evalCall would with nothing to check.
          if (!hasArgs && member.value.length === 0) return this.callMethod(member.value as () => unknown, receiver, node, name);
          return this.evalCall(dot, fromJSFunction(member.value as () => unknown, receiver), node, name, args, final);
        }
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return member.value;
      }
      case 'map': {
        const value = mapGet(receiver as GoMap, name);
        // berth's extension: a function stored in a map is called like a Go method when given
        // arguments or when it takes none; otherwise it is a value (for `call`).
        if (typeof value === 'function' && mapHas(receiver as GoMap, name) && (hasArgs || value.length === 0)) {
          return this.evalCall(dot, fromJSFunction(value as () => unknown, receiver), node, name, args, final);
        }
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        return value;
      }
    }
    return this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: AnyNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(node);
    const fn = this.funcs.get(node.ident);
    if (!fn) this.errorf(`${JSON.stringify(node.ident)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, node.ident, args, final);
  }

  /** A method that takes nothing, with evalCall's error handling. */
  private callMethod(fn: () => unknown, receiver: unknown, node: AnyNode, name: string): unknown {
    return this.guarded(node, name, () => fn.call(receiver));
  }

  /** Runs a call; what it throws becomes the template's error, as text/template words it. */
  private guarded(node: AnyNode, name: string, call: () => unknown): unknown {
    try {
      return call();
    } catch (e) {
      this.at(node);
      if (e instanceof TemplateError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof TemplateArgError) this.errorf(message);
      return this.errorf(`error calling ${name}: ${message}`);
    }
  }

  /** Calls fn with args[1:] (args[0] names the function) and the piped final value, if any. */
  private evalCall(dot: unknown, fn: TemplateFunc, node: AnyNode, name: string, args: readonly ArgNode[], final: Final): unknown {
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final === NO_FINAL ? 0 : 1);
    const fixed = fn.variadic ? fn.params.length - 1 : fn.params.length;
    if (fn.variadic) {
      if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${argNodes.length}`);
    } else if (numIn !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    }
    const paramAt = (i: number): GoParam => fn.params[Math.min(i, fn.params.length - 1)] ?? 'any';

    if (fn.logic) {
      let v: unknown;
      for (const arg of argNodes) {
        v = this.evalArg(dot, arg, 'any');
        if (isTrue(v) === (fn.logic === 'or')) return v;
      }
      return final === NO_FINAL ? v : final;
    }

    const argv = argNodes.map((arg, i) => this.evalArg(dot, arg, paramAt(i)));
    if (final !== NO_FINAL) argv.push(this.validateType(final, paramAt(argv.length)));
    return this.guarded(node, name, () => fn.call(argv));
  }

  private evalArg(dot: unknown, node: ArgNode, param: GoParam): unknown {
    this.at(node);
    switch (node.kind) {
      case 'dot':
        return this.validateType(dot, param);
      case 'nil':
        if (param === 'any' || param === 'strings') return null;
        return this.errorf(`cannot assign nil to ${goParamName(param)}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, node, [node], NO_FINAL), param);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, node, [], NO_FINAL), param);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, node), param);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, node, node, [], NO_FINAL), param);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, node, [], NO_FINAL), param);
      case 'bool':
        return param === 'any' || param === 'bool' ? node.value : this.literalMismatch(node, param);
      case 'number':
        return param === 'any' || (param === 'int' && node.isInt) ? node.value : this.literalMismatch(node, param);
      case 'string':
        return param === 'any' || param === 'string' ? node.text : this.literalMismatch(node, param);
    }
  }

  private literalMismatch(node: ArgNode, param: GoParam): never {
    if (param === 'strings') this.errorf(`can't handle ${nodeString(node)} for arg of type []string`);
    this.errorf(`expected ${param === 'int' ? 'integer' : param}; found ${nodeString(node)}`);
  }

  /** Go's validateType: the value must be assignable to the parameter. */
  private validateType(value: unknown, param: GoParam): unknown {
    if (param === 'any') return value;
    if (param === 'strings') {
      if (value === undefined || value === null) return [];
      if (Array.isArray(value) && value.every((e) => typeof e === 'string')) return value;
    } else if (value === undefined) {
      return this.errorf(`invalid value; expected ${goParamName(param)}`);
    } else if (goKind(value) === param) {
      return typeof value === 'bigint' ? Number(value) : value;
    }
    return this.errorf(`wrong type for value; expected ${goParamName(param)}; got ${goTypeName(value)}`);
  }
}
