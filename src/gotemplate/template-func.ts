// What a function callable from a template looks like to the executor: Go checks the number of
// arguments and converts each to the parameter's type before the call, and reports mismatches
// as "wrong type for value; expected string; got int".

/** A Go parameter type, as far as templates need: `any` stands for interface{} and reflect.Value. */
export type GoParam = 'any' | 'string' | 'int' | 'bool' | 'strings';

export interface TemplateFunc {
  /** Parameter types; with `variadic`, the last one repeats zero or more times. */
  readonly params: readonly GoParam[];
  readonly variadic?: boolean;
  /** Go's `and` and `or` evaluate their arguments lazily; the executor does it for them. */
  readonly logic?: 'and' | 'or';
  readonly call: (args: unknown[]) => unknown;
}

export type FuncTable = ReadonlyMap<string, TemplateFunc>;

/** Thrown by a function for an argument it cannot accept; reported without "error calling". */
export class TemplateArgError extends Error {
  override name = 'TemplateArgError';
}

export function templateFunc(params: readonly GoParam[], call: (args: unknown[]) => unknown, variadic = false): TemplateFunc {
  return { params, call, variadic };
}

/** Go's name for a parameter type in error messages. */
export function goParamName(p: GoParam): string {
  switch (p) {
    case 'any':
      return 'interface {}';
    case 'strings':
      return '[]string';
    default:
      return p;
  }
}

/**
 * A plain JavaScript function (a method of a row object, or a caller-supplied function) as a
 * template function: its declared parameter count is its arity, arguments are passed as is.
 */
export function fromJSFunction(fn: (...args: never[]) => unknown, self?: unknown): TemplateFunc {
  const params: GoParam[] = Array.from({ length: fn.length }, () => 'any');
  return { params, call: (args) => Reflect.apply(fn, self, args) as unknown };
}
