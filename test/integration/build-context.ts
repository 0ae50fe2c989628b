// Helpers the build tests share: a command that must succeed, and a context directory written
// from a map of relative path → content.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from './harness.js';

export async function ok(r: Promise<RunResult>, what: string): Promise<string> {
  const res = await r;
  assert.equal(res.code, 0, `${what} failed (${res.code}): ${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

export async function writeContext(root: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}
