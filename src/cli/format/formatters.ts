// The rows docker's list commands expose to --format templates, one module per command, gathered
// here so a command imports its row, format and headers from one place:
//
//   const rows = containerRows(await client.listContainers(), { trunc: !noTrunc });
//   out.write(renderList({ format: containerFormat(flags.format, flags), rows, headers: CONTAINER_HEADERS }));

export * from './container-row.js';
export * from './container-ports.js';
export * from './image-rows.js';
export * from './volume-row.js';
export * from './network-row.js';
export * from './stats-row.js';
export type { RowOptions } from './formatter-row.js';
