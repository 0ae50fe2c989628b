// The short fault campaign (fixed seed, every fault kind at least once, a few minutes): the
// long one is `npm run chaos:long`, the comparison against dockerd `npm run chaos:dockerd` (RELIABILITY.md).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Campaign, FAULT_KINDS } from './campaign.js';

it('loses nothing and leaks nothing under every kind of fault (seed 20261202)', { timeout: 400_000 }, async () => {
  const report = await new Campaign({ seed: 20261202, durationSec: 0, clients: 3, log: (l) => console.log(l) }).run();
  console.log(JSON.stringify({ ...report, operationsByKind: undefined, evidence: undefined }, null, 1));
  // The evidence goes into the message: CI keeps only the end of the output.
  const why = `seed ${report.seed}; trace ${report.trace}\n${(report.evidence ?? []).join('\n')}`;
  assert.deepEqual(report.violations, [], why);
  assert.deepEqual(report.leaks, [], why);
  for (const k of FAULT_KINDS) assert.ok((report.faults[k] ?? 0) >= 1, `fault ${k} was not injected`);
  assert.ok(report.linesChecked > 0, 'no container lines were checked');
  assert.equal(report.linesLost, 0);
});
