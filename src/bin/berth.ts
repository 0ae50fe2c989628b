#!/usr/bin/env node
// berth: the Docker-compatible CLI. Everything is in cli/main; commands load on demand.

import { main } from '../cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
