import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DiskUsageRow } from './disk-usage-row.js';
import { renderList } from './table.js';

const rows = [
  new DiskUsageRow({ type: 'Images', totalCount: 2, active: 1, size: '4MB', reclaimable: '2MB (50%)' }),
  new DiskUsageRow({ type: 'Build Cache', totalCount: 0, active: 0, size: '0B', reclaimable: '0B' }),
];
const df = (format: string) => renderList({ format, rows, headers: { Type: 'TYPE', Size: 'SIZE' } });

it('system df rows: docker\'s columns and JSON; an unknown field names the row\'s Go type', () => {
  assert.equal(df('{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}'), 'Images 2 1 4MB 2MB (50%)\nBuild Cache 0 0 0B 0B\n');
  assert.equal(df('json').split('\n')[0], '{"Active":"1","Reclaimable":"2MB (50%)","Size":"4MB","TotalCount":"2","Type":"Images"}');
  assert.throws(() => df('{{.Bogus}}'), /can't evaluate field Bogus in type \*formatter\.diskUsageImagesContext/);
});
