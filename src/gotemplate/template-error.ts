// The one error type of the template engine. Its message is exactly Go's, e.g.
//   parse: template: :1: unclosed action
//   exec:  template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type T
// Docker prefixes it ("template parsing error: ..."); callers add that where docker does.

export class TemplateError extends Error {
  override name = 'TemplateError';

  /** For exec errors: what Go had already written before it failed. */
  output = '';

  constructor(
    readonly phase: 'parse' | 'exec',
    message: string,
  ) {
    super(message);
  }
}
