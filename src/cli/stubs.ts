// Commands berth does not have yet: they say so and exit 1.

import { BIN, StatusError, type CommandDef } from './command.js';

export function notImplemented(name: string, summary: string): CommandDef {
  return {
    use: '[OPTIONS]',
    short: summary,
    flags: [],
    rawArgs: true,
    async run() {
      throw new StatusError(1, `${BIN}: '${name}' is not implemented yet`);
    },
  };
}
