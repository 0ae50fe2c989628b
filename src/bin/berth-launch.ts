// The CLI's entry as bin/berth starts it: runs the bundle beside this file (dist/berth.cjs) from
// a V8 code cache in the user's cache directory (see code-cache.ts).
import * as path from 'node:path';
import { cacheDir, runBundle } from './code-cache.js';

const bundle = path.join(path.dirname(process.argv[1] ?? '.'), 'berth.cjs');
// BERTH_NO_CODE_CACHE=1: compile from source (to measure what the cache saves).
runBundle(bundle, process.env['BERTH_NO_CODE_CACHE'] ? undefined : cacheDir(process.env), process.argv.slice(2));
